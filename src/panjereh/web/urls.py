from django.contrib.auth import views as auth_views
from django.urls import path

from panjereh.web import appeals, citizen, complaints, connections, finance, maps, precheck, procedures, signin, signing, views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("login/", signin.SignInView.as_view(), name="login"),
    path("signin-locks/", signin.signin_locks, name="signin-locks"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("counter/", views.counter, name="counter"),
    path("counter/parcels/<id:parcel_id>/apply/", views.new_application, name="new-application"),
    path("files/<id:pk>/", views.file_page, name="file"),
    path("files/<id:pk>/decide/", views.decide, name="decide"),
    path("inbox/", views.inbox, name="inbox"),
    path("track/", views.track, name="track"),
    path("map/", maps.map_page, name="map"),
    path("layers/<slug:code>/upload/", maps.layer_upload, name="layer-upload"),
    path("files/<id:pk>/bill/", views.bill_print, name="bill-print"),
    path("files/<id:pk>/receipt/", views.receipt, name="receipt"),
    path("connections/", connections.connections, name="connections"),
    path("finance/", finance.finance, name="finance"),
    path("signing/", signing.signing, name="signing"),
    path("appeals/", appeals.appeals, name="appeals"),
    path("complaints/", complaints.complaints, name="complaints"),
    path("files/<id:pk>/documents/<id:doc>/", views.file_document, name="file-document"),
    path("precheck/", precheck.precheck, name="precheck"),
    path("procedures/permits/<slug:permit_type>/", procedures.procedure, name="procedure"),
    path("procedures/zoning/", procedures.zoning_rules, name="zoning-public"),
    path("procedures/connections/<slug:service_code>/", procedures.utility_terms, name="utility-terms"),
    path("citizen/", citizen.start, name="citizen"),
    path("citizen/code/", citizen.code, name="citizen-code"),
    path("citizen/signout/", citizen.sign_out, name="citizen-signout"),
    path("citizen/files/", citizen.files, name="citizen-files"),
    path("citizen/apply/", citizen.apply, name="citizen-apply"),
    path("citizen/files/<str:code>/", citizen.file_page, name="citizen-file"),
    path("citizen/files/<str:code>/documents/<id:pk>/", citizen.document, name="citizen-document"),
]
