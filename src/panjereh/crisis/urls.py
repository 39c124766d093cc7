from django.urls import path

from panjereh.crisis import views

urlpatterns = [path("incidents/<id:pk>/report/", views.incident_report, name="incident-report")]
