from django.urls import path

from panjereh.permits import views

urlpatterns = [
    path("permits/<str:number>/certificate/", views.permit_certificate, name="permit-certificate"),
    path("verify/<str:code>/", views.permit_verify, name="permit-verify"),
    path("payments/gateway/return/", views.gateway_return, name="gateway-return"),
]
