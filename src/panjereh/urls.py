"""URL map: pages, /admin/, the REST API under /api/v1/ and OGC API – Features under /ogc/."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from panjereh.agencies import api as agencies_api
from panjereh.citymap import api as citymap_api
from panjereh.citymap import ogc
from panjereh.crisis import api as crisis_api
from panjereh.integrations import api as integrations_api
from panjereh.operations import views as operations_views
from panjereh.permits import api as permits_api
from panjereh.plancheck import api as plancheck_api
from panjereh.works import api as works_api

api_v1 = [
    path("auth/token/", agencies_api.TokenView.as_view(), name="api-token"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("parcels/", citymap_api.ParcelListView.as_view(), name="api-parcels"),
    path("parcels/<str:pk>/", citymap_api.ParcelDetailView.as_view(), name="api-parcel"),
    path("parcels/<str:pk>/feasibility/", citymap_api.ParcelFeasibilityView.as_view(), name="api-feasibility"),
    path("parcels/<str:pk>/plan-check/", plancheck_api.PlanCheckView.as_view(), name="api-plan-check"),
    path("applications/<str:pk>/plan-check/", plancheck_api.FilePlanCheckView.as_view(), name="api-file-plan-check"),
    path("plan-check-jobs/<str:token>/", plancheck_api.PlanCheckJobView.as_view(), name="api-plan-check-job"),
    path("plan-checks/<str:number>/", plancheck_api.PlanCheckDetailView.as_view(), name="api-plan-check-detail"),
    path("dig-check/", citymap_api.DigCheckView.as_view(), name="api-dig-check"),
    path("assets/", citymap_api.AssetSearchView.as_view(), name="api-assets"),
    path("streets/", citymap_api.StreetSearchView.as_view(), name="api-streets"),
    path("works/", works_api.WorksListView.as_view(), name="api-works"),
    path("works/feed/wzdx/", works_api.WzdxFeedView.as_view(), name="api-works-wzdx"),
    path("works/<id:pk>/", works_api.WorksDetailView.as_view(), name="api-works-detail"),
    path("works/bills/", works_api.WorksBillsView.as_view(), name="api-works-bills"),
    path("works/bills/<id:pk>/transfer/", works_api.WorksBillTransferView.as_view(), name="api-works-bill-transfer"),
    path("works/inspections/", works_api.InspectionListView.as_view(), name="api-works-inspections"),
    path("works/inspections/<id:pk>/", works_api.InspectionView.as_view(), name="api-works-inspection"),
    path("works/inspections/<id:pk>/photos/", works_api.InspectionPhotoView.as_view(),
         name="api-works-inspection-photos"),
    path("works/inspections/<id:pk>/photos/<id:photo>/", works_api.InspectionPhotoFileView.as_view(),
         name="api-works-inspection-photo"),
    path("works/<id:pk>/permit/", works_api.PermitApplyView.as_view(), name="api-works-permit"),
    path("works/<id:pk>/permit/decision/", works_api.PermitDecisionView.as_view(), name="api-works-decision"),
    path("works/<id:pk>/progress/", works_api.ProgressView.as_view(), name="api-works-progress"),
    path("layers/", citymap_api.LayerListView.as_view(), name="api-layers"),
    path("layers/<slug:code>/", citymap_api.LayerDetailView.as_view(), name="api-layer"),
    path("layers/<slug:code>/versions/", citymap_api.LayerVersionsView.as_view(), name="api-layer-versions"),
    path("layers/<slug:code>/upload/", citymap_api.LayerUploadView.as_view(), name="api-layer-upload"),
    path("layers/<slug:code>/rollback/", citymap_api.LayerRollbackView.as_view(), name="api-layer-rollback"),
    path("layers/<slug:code>/export/", citymap_api.LayerExportView.as_view(), name="api-layer-export"),
    path("applications/", permits_api.ApplicationListView.as_view(), name="api-applications"),
    path("applications/estimate/", permits_api.EstimateView.as_view(), name="api-estimate"),
    path("applications/<str:pk>/", permits_api.ApplicationDetailView.as_view(), name="api-application"),
    path("applications/<str:pk>/reviews/<slug:agency_code>/decision/", permits_api.DecisionView.as_view(),
         name="api-decision"),
    path("applications/<str:pk>/reviews/<slug:agency_code>/answer/", permits_api.AnswerView.as_view(),
         name="api-answer"),
    path("applications/<str:pk>/payments/", permits_api.PaymentView.as_view(), name="api-payments"),
    path("applications/<str:pk>/resubmit/", permits_api.ResubmitView.as_view(), name="api-resubmit"),
    path("applications/<str:pk>/services/<slug:service>/activate/", permits_api.ActivateServiceView.as_view(),
         name="api-activate"),
    path("applications/<str:pk>/completion/", permits_api.CompletionView.as_view(), name="api-completion"),
    path("parcels/<str:pk>/tariffs/", permits_api.ParcelTariffsView.as_view(), name="api-parcel-tariffs"),
    path("track/<str:tracking_code>/", permits_api.TrackView.as_view(), name="api-track"),
    path("incidents/", crisis_api.IncidentListView.as_view(), name="api-incidents"),
    path("incidents/<id:pk>/", crisis_api.IncidentDetailView.as_view(), name="api-incident"),
    path("consistency/runs/", crisis_api.ConsistencyRunView.as_view(), name="api-consistency-run"),
    path("consistency/findings/", crisis_api.FindingListView.as_view(), name="api-consistency-findings"),
    path("inbound/decisions/", integrations_api.InboundDecisionView.as_view(), name="api-inbound-decisions"),
    path("inbound/connections/", integrations_api.InboundConnectionView.as_view(), name="api-inbound-connections"),
]

ogc_urls = [
    path("", ogc.LandingView.as_view(), name="ogc-landing"),
    path("conformance", ogc.ConformanceView.as_view(), name="ogc-conformance"),
    path("collections", ogc.CollectionsView.as_view(), name="ogc-collections"),
    path("collections/<slug:collection_id>", ogc.CollectionView.as_view(), name="ogc-collection"),
    path("collections/<slug:collection_id>/items", ogc.ItemsView.as_view(), name="ogc-items"),
    path("collections/<slug:collection_id>/items/<str:feature_id>", ogc.ItemView.as_view(), name="ogc-item"),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    # the one-time link of `panjereh createcityadmin --link` (Django's password-reset token, single use)
    path("accounts/reset/<uidb64>/<token>/", auth_views.PasswordResetConfirmView.as_view(),
         name="password_reset_confirm"),
    path("accounts/reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("metrics", operations_views.metrics, name="metrics"),
    path("api/v1/", include(api_v1)),
    path("ogc/", include(ogc_urls)),
    path("ogc", ogc.LandingView.as_view()),
    # street works first: "works" is not a map layer's code (layers cannot take it: see citymap.models)
    path("tiles/works/<int:z>/<int:x>/<int:y>.mvt", works_api.WorksTileView.as_view(), name="works-tile"),
    path("tiles/<slug:code>/<int:z>/<int:x>/<int:y>.mvt", citymap_api.TileView.as_view(), name="tile"),
    path("indicators/", include("panjereh.indicators.urls")),
    path("works/", include("panjereh.works.urls")),
    path("", include("panjereh.permits.urls")),
    path("", include("panjereh.plancheck.urls")),
    path("", include("panjereh.crisis.urls")),
    path("", include("panjereh.web.urls")),
]

handler404 = "panjereh.core.api_errors.not_found"
handler500 = "panjereh.core.api_errors.server_error"
