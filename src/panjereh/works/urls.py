from django.urls import path

from panjereh.works import views

urlpatterns = [path("", views.coordination, name="works"), path("new/", views.new_works, name="works-new")]
