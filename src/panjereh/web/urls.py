from django.contrib.auth import views as auth_views
from django.urls import path

from panjereh.web import finance, maps, views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("login/", auth_views.LoginView.as_view(template_name="web/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("counter/", views.counter, name="counter"),
    path("counter/parcels/<int:parcel_id>/apply/", views.new_application, name="new-application"),
    path("files/<int:pk>/", views.file_page, name="file"),
    path("files/<int:pk>/decide/", views.decide, name="decide"),
    path("inbox/", views.inbox, name="inbox"),
    path("track/", views.track, name="track"),
    path("map/", maps.map_page, name="map"),
    path("layers/<slug:code>/upload/", maps.layer_upload, name="layer-upload"),
    path("files/<int:pk>/bill/", views.bill_print, name="bill-print"),
    path("files/<int:pk>/receipt/", views.receipt, name="receipt"),
    path("connections/", finance.connections, name="connections"),
    path("finance/", finance.finance, name="finance"),
]
