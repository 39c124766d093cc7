from django.urls import path, re_path

from panjereh.permits import views

urlpatterns = [
    path("permits/<str:number>/certificate/", views.permit_certificate, name="permit-certificate"),
    path("permits/<str:number>/certificate.pdf", views.permit_certificate_pdf, name="permit-certificate-pdf"),
    re_path(r"^verify/(?P<kind>bill|completion)/(?P<code>[A-Za-z0-9_-]+)/$", views.paper_verify, name="paper-verify"),
    re_path(r"^verify/(?P<kind>bill|completion)/(?P<code>[A-Za-z0-9_-]+)/paper\.pdf$", views.paper_verify_pdf,
            name="paper-verify-pdf"),
    path("verify/<str:code>/", views.permit_verify, name="permit-verify"),
    path("verify/<str:code>/permit.pdf", views.permit_verify_pdf, name="permit-verify-pdf"),
    path("payments/gateway/go/<str:order_id>/", views.gateway_go, name="gateway-go"),
    path("payments/gateway/return/", views.gateway_return, name="gateway-return"),
]
