from django.urls import path

from panjereh.indicators import views

urlpatterns = [
    path("", views.dashboard, name="indicators"),
    path("data.json", views.data_json, name="indicators-json"),
    path("data.csv", views.data_csv, name="indicators-csv"),
    path("overdue/", views.overdue, name="indicators-overdue"),
    path("province/", views.province, name="indicators-province"),
    path("province.json", views.province_json, name="indicators-province-json"),
]
