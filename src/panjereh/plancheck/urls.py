from django.urls import path

from panjereh.plancheck import views

urlpatterns = [
    path("plan-check/verify/<str:code>/", views.verify, name="plan-check-verify"),
    path("plan-check/verify/<str:code>/report.pdf", views.report_pdf, name="plan-check-report"),
]
