"""REST API of street works: thin views that check input and permissions (access), then call the
services. Agencies' staff sign in with their tokens; the WZDx feed is public."""

from django.http import FileResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from panjereh import access
from panjereh.agencies import map_basic
from panjereh.agencies.models import Agency
from panjereh.billing import services as billing
from panjereh.billing.models import Bill
from panjereh.citymap import fence, geojson
from panjereh.citymap.tiles import TileError, tile_storage_bounds
from panjereh.core import uploads
from panjereh.core.api_errors import error_response, field_error
from panjereh.core.calendar import local_date
from panjereh.core.text import Localized
from panjereh.works import feeds, queries, services
from panjereh.works.models import Inspection, InspectionPhoto, Works, WorksConflict
from panjereh.works.tiles import works_tile


class WorksInput(serializers.Serializer):
    reference = serializers.CharField(max_length=64)
    title = serializers.CharField(max_length=200, required=False, default="")
    kind = serializers.ChoiceField(choices=Works.Kind.choices, default=Works.Kind.WORKS)
    works_class = serializers.ChoiceField(choices=Works.WorksClass.choices, default=Works.WorksClass.STANDARD)
    geometry = serializers.JSONField(help_text="GeoJSON LineString or Polygon in CRS84 (lon, lat)")
    depth_m = serializers.FloatField(required=False, allow_null=True, min_value=0, max_value=30, default=None)
    surface = serializers.ChoiceField(choices=Works.Surface.choices, default=Works.Surface.ASPHALT)
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    contact = serializers.CharField(max_length=200, required=False, default="")


class PermitDecision(serializers.Serializer):
    decision = serializers.ChoiceField(choices=["grant", "refuse"])
    conditions = serializers.CharField(max_length=2000, required=False, default="", allow_blank=True)
    reason = serializers.IntegerField(required=False, allow_null=True, default=None)


class Progress(serializers.Serializer):
    status = serializers.ChoiceField(choices=list(services.ALLOWED_FROM))


def works_detail(works: Works, user, geometry: dict | None = None) -> dict:
    """A works as agencies' staff see it (contacts included: they are for coordination); ``geometry``, its
    GeoJSON in CRS84 when the caller has transformed a list of works at once."""
    permit = getattr(works, "permit", None)
    geometry = geometry or geojson.features([works], lambda _w: {})[0]["geometry"]
    return {"id": works.pk, "agency": works.agency.code, "reference": works.reference, "title": works.title,
            "kind": works.kind, "works_class": works.works_class, "status": works.status, "streets": works.streets,
            "start_date": str(works.start_date), "end_date": str(works.end_date), "surface": works.surface,
            "depth_m": works.depth_m, "contact": works.contact, "geometry": geometry,
            "permit": None if permit is None else {
                "status": permit.status, "due_date": str(permit.due_date), "conditions": permit.conditions,
                "reason": permit.reason.number if permit.reason else None,
                "dig_check_total": permit.dig_check.get("total")},
            "can_change": access.can_manage_works(user, works.agency.code)}


def _works(request, pk) -> Works:
    if not access.can_view_works(request.user):
        raise PermissionDenied("street works are for the agencies' staff")
    return get_object_or_404(fence.within(request.user, Works.objects, "geom").select_related("agency"), pk=pk)


def _error(exc):
    if isinstance(exc, services.WorksError):
        return field_error(status.HTTP_400_BAD_REQUEST, exc.field, str(exc))
    return error_response(status.HTTP_409_CONFLICT, "conflict", str(exc))


class WorksListView(APIView):
    @extend_schema(operation_id="works_list", summary="Every agency's street works (staff), for a period",
                   parameters=[OpenApiParameter("period", str, enum=list(queries.PERIODS),
                                                description="today, the next 30 days, the next year, or all")],
                   responses=OpenApiTypes.OBJECT)
    def get(self, request):
        if not access.can_view_works(request.user):
            raise PermissionDenied("street works are for the agencies' staff")
        qs = fence.within(request.user, Works.objects, "geom").select_related("agency", "permit") \
            .exclude(status=Works.Status.CANCELLED)
        period = request.query_params.get("period", "all")
        if period not in queries.PERIODS:
            return field_error(status.HTTP_400_BAD_REQUEST, "period", _("The period must be one of %(known)s.")
                               % Localized({"known": ", ".join(queries.PERIODS)}))
        qs = queries.in_period(qs, period, local_date(timezone.now())).order_by("start_date", "id")[:1000]
        rows = list(qs)
        geometries = [f["geometry"] for f in geojson.features(rows, lambda _w: {})]  # one transformation for the list
        return Response({"works": [works_detail(w, request.user, g) for w, g in zip(rows, geometries)]})

    @extend_schema(operation_id="works_create", summary="Register your agency's works on the map",
                   request=WorksInput, responses={201: OpenApiTypes.OBJECT})
    def post(self, request):
        profile = access.staff_profile(request.user)
        if profile is None or profile.agency is None or not access.can_manage_works(request.user,
                                                                                        profile.agency.code):
            raise PermissionDenied("only an agency's GIS staff and reviewers record its works")
        body = WorksInput(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            works = services.register_works(actor=request.user, agency=Agency.objects.get(pk=profile.agency_id),
                                             data=dict(body.validated_data))
        except (services.WorksError, services.WorksConflictState) as exc:
            return _error(exc)
        conflicts = WorksConflict.objects.filter(first=works) | WorksConflict.objects.filter(second=works)
        return Response({**works_detail(works, request.user), "conflicts": [
            {"works": c.second_id if c.first_id == works.pk else c.first_id, "distance_m": c.distance_m,
             "gap_days": c.gap_days} for c in conflicts]}, status=status.HTTP_201_CREATED)


class WorksDetailView(APIView):
    @extend_schema(operation_id="works_detail", summary="One works", responses=OpenApiTypes.OBJECT)
    def get(self, request, pk):
        return Response(works_detail(_works(request, pk), request.user))


class PermitApplyView(APIView):
    @extend_schema(operation_id="works_permit_apply", summary="Apply for the municipality's excavation permit",
                   request=None, responses={201: OpenApiTypes.OBJECT})
    def post(self, request, pk):
        works = _works(request, pk)
        if not access.can_manage_works(request.user, works.agency.code):
            raise PermissionDenied("an excavation permit is applied for by the works' own agency")
        try:
            services.apply_for_permit(actor=request.user, works=works)
        except (services.WorksError, services.WorksConflictState) as exc:
            return _error(exc)
        works.refresh_from_db()
        return Response(works_detail(works, request.user), status=status.HTTP_201_CREATED)


class PermitDecisionView(APIView):
    @extend_schema(operation_id="works_permit_decide", summary="The municipality grants or refuses a permit",
                   request=PermitDecision, responses=OpenApiTypes.OBJECT)
    def post(self, request, pk):
        works = _works(request, pk)
        if not access.can_decide_excavation(request.user):
            raise PermissionDenied("excavation permits are decided by the municipality")
        body = PermitDecision(data=request.data)
        body.is_valid(raise_exception=True)
        d = body.validated_data
        try:
            services.decide_permit(actor=request.user, works=works, decision=d["decision"],
                                  conditions=d["conditions"], reason_number=d["reason"])
        except (services.WorksError, services.WorksConflictState) as exc:
            return _error(exc)
        works.refresh_from_db()
        return Response(works_detail(works, request.user))


class ProgressView(APIView):
    @extend_schema(operation_id="works_progress", summary="Record works started, completed, reinstated",
                   request=Progress, responses=OpenApiTypes.OBJECT)
    def post(self, request, pk):
        works = _works(request, pk)
        if not access.can_manage_works(request.user, works.agency.code):
            raise PermissionDenied("progress is recorded by the works' own agency")
        body = Progress(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            works = services.record_progress(actor=request.user, works=works, status=body.validated_data["status"])
        except (services.WorksError, services.WorksConflictState) as exc:
            return _error(exc)
        return Response(works_detail(works, request.user))


class WzdxFeedView(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(operation_id="works_wzdx", summary="The works as a public WZDx 4.2 work-zone feed (GeoJSON)",
                   responses={(200, "application/geo+json"): OpenApiTypes.OBJECT})
    def get(self, request):
        return Response(feeds.wzdx_feed(), content_type="application/geo+json")


# --- what agencies owe for their works, and inspections ----------------------------------------------------------

class TransferInput(serializers.Serializer):
    reference = serializers.CharField(max_length=64, help_text="the bank's reference of the agency's transfer")
    amount = serializers.IntegerField(min_value=1, help_text="rials: the bill's whole outstanding amount")


class InspectionInput(serializers.Serializer):
    passed = serializers.BooleanField()
    defects = serializers.CharField(max_length=4000, required=False, default="", allow_blank=True)


class PhotoInput(serializers.Serializer):
    photo = serializers.FileField(help_text="JPEG or PNG, checked by its content")


def bill_detail(bill: Bill) -> dict:
    """An agency's street-works bill: what for, how much, paid or not, its lines (integer rials)."""
    return {"id": bill.pk, "payer": bill.payer.code, "stage": bill.stage, "total": bill.total, "paid": bill.paid,
            "settled_at": bill.settled_at, "created_at": bill.created_at,
            "lines": [{"agency": line.agency.code, "code": line.code, "description_fa": line.description_fa,
                       "description_en": line.description_en, "amount": line.amount} for line in bill.lines.all()]}


def agency_bills(user, *, unpaid_only: bool = False):
    """The street-works bills ``user`` may read (coordinators and the municipality: all; an agency: its own)."""
    allowed = access.works_bill_agency_ids(user)
    qs = Bill.objects.filter(application__isnull=True).select_related("payer").prefetch_related("lines__agency")
    if allowed is not None:
        qs = qs.filter(payer_id__in=allowed)
    if unpaid_only:
        qs = qs.filter(settled_at__isnull=True)
    return qs.order_by("-id")


class WorksBillsView(APIView):
    @extend_schema(operation_id="works_bills", summary="Street-works bills: what each agency owes the city",
                   parameters=[OpenApiParameter("unpaid", bool, description="only bills not yet paid")],
                   responses=OpenApiTypes.OBJECT)
    def get(self, request):
        if access.works_bill_agency_ids(request.user) == set():
            raise PermissionDenied("street-works bills are for the agencies' staff")
        raw = request.query_params.get("unpaid", "false").lower()
        if raw not in {"1", "true", "yes", "0", "false", "no"}:
            return field_error(status.HTTP_400_BAD_REQUEST, "unpaid", _("unpaid must be true or false."))
        unpaid = raw in {"1", "true", "yes"}
        return Response({"bills": [bill_detail(b) for b in agency_bills(request.user, unpaid_only=unpaid)[:500]]})


class WorksBillTransferView(APIView):
    @extend_schema(operation_id="works_bill_transfer", summary="Record an agency's transfer paying its bill",
                   request=TransferInput, responses={201: OpenApiTypes.OBJECT, 200: OpenApiTypes.OBJECT})
    def post(self, request, pk):
        if not access.can_record_agency_payment(request.user):
            raise PermissionDenied("an agency's payment is recorded by the municipality, its payee")
        bill = get_object_or_404(Bill.objects.select_related("payer"), pk=pk, application__isnull=True)
        body = TransferInput(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            _payment, recorded = billing.record_transfer(actor=request.user, bill=bill, **body.validated_data)
        except billing.BillingError as exc:
            return field_error(status.HTTP_400_BAD_REQUEST, exc.field, str(exc))
        except billing.BillingConflict as exc:
            return error_response(status.HTTP_409_CONFLICT, "conflict", str(exc))
        bill.refresh_from_db()
        return Response(bill_detail(bill), status=status.HTTP_201_CREATED if recorded else status.HTTP_200_OK)


def inspection_detail(inspection: Inspection) -> dict:
    works = inspection.works
    return {"id": inspection.pk, "works": works.pk, "agency": works.agency.code, "reference": works.reference,
            "phase": inspection.phase, "selected_at": inspection.selected_at,
            "inspected_at": inspection.inspected_at, "passed": inspection.passed, "defects": inspection.defects,
            "photos": [{"id": p.pk, "sha256": p.sha256, "content_type": p.content_type, "size": p.size}
                       for p in inspection.photos.all()]}


def _inspection(request, pk) -> Inspection:
    if not access.can_view_works(request.user):
        raise PermissionDenied("street works are for the agencies' staff")
    return get_object_or_404(fence.within(request.user, Inspection.objects, "works__geom")
                             .select_related("works__agency"), pk=pk)


class InspectionListView(APIView):
    @extend_schema(operation_id="works_inspections", summary="Works chosen for inspection, and the findings",
                   responses=OpenApiTypes.OBJECT)
    def get(self, request):
        if not access.can_view_works(request.user):
            raise PermissionDenied("street works are for the agencies' staff")
        qs = fence.within(request.user, Inspection.objects, "works__geom").select_related("works__agency") \
            .prefetch_related("photos").order_by("-id")[:500]
        return Response({"inspections": [inspection_detail(i) for i in qs]})


class InspectionView(APIView):
    @extend_schema(operation_id="works_inspection_record", summary="Record what the inspector found",
                   request=InspectionInput, responses=OpenApiTypes.OBJECT)
    def post(self, request, pk):
        inspection = _inspection(request, pk)
        if not access.can_inspect_works(request.user):
            raise PermissionDenied("inspections are recorded by the municipality")
        body = InspectionInput(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            services.record_inspection(actor=request.user, inspection=inspection, **body.validated_data)
        except (services.WorksError, services.WorksConflictState) as exc:
            return _error(exc)
        return Response(inspection_detail(inspection))


class InspectionPhotoView(APIView):
    parser_classes = [MultiPartParser]

    @extend_schema(operation_id="works_inspection_photo", summary="Add a photo to an inspection (JPEG, PNG)",
                   request={"multipart/form-data": PhotoInput}, responses={201: OpenApiTypes.OBJECT})
    def post(self, request, pk):
        inspection = _inspection(request, pk)
        if not access.can_inspect_works(request.user):
            raise PermissionDenied("inspections are recorded by the municipality")
        upload = request.FILES.get("photo")
        if upload is None:
            return field_error(status.HTTP_400_BAD_REQUEST, "photo", _("Attach the photo as «photo»."))
        try:
            photo = services.add_inspection_photo(actor=request.user, inspection=inspection, upload=upload)
        except uploads.UploadError as exc:
            return field_error(status.HTTP_400_BAD_REQUEST, exc.field, str(exc))
        return Response({"id": photo.pk, "sha256": photo.sha256, "content_type": photo.content_type,
                         "size": photo.size}, status=status.HTTP_201_CREATED)


class InspectionPhotoFileView(APIView):
    @extend_schema(operation_id="works_inspection_photo_file", summary="One inspection photo, as stored",
                   responses={(200, "image/jpeg"): OpenApiTypes.BINARY})
    def get(self, request, pk, photo):
        inspection = _inspection(request, pk)
        item = get_object_or_404(InspectionPhoto, pk=photo, inspection=inspection)
        response = FileResponse(uploads.open_stored(item.file), content_type=item.content_type)
        response["X-Content-SHA256"] = item.sha256
        return response


class WorksTileView(APIView):
    """The works layer's vector tile for a period: for the agencies' staff and coordinators only (the public
    reads the WZDx feed); others get 404, as for a hidden layer."""

    # a desktop GIS signs in with a user name and password (agencies.map_basic)
    authentication_classes = map_basic.read_authentication()

    from panjereh.citymap.api import MVTRenderer

    permission_classes = [AllowAny]  # as the map's tiles: who sees them is the permission module's answer (404)
    renderer_classes = [MVTRenderer]
    schema = None

    def get(self, request, z, x, y):
        from rest_framework.exceptions import NotFound

        if not access.can_view_works(request.user):
            raise NotFound()
        period = request.query_params.get("period", "all")
        if period not in queries.PERIODS:
            return field_error(status.HTTP_400_BAD_REQUEST, "period", _("The period must be one of %(known)s.")
                               % Localized({"known": ", ".join(queries.PERIODS)}))
        try:
            beyond = fence.tile_outside(request.user, tile_storage_bounds(int(z), int(x), int(y)))
            body = b"" if beyond else works_tile(int(z), int(x), int(y), period=period,
                                                  today=local_date(timezone.now()),
                                                  agencies=dict(Agency.objects.values_list("id", "code")))
        except TileError as exc:
            raise NotFound(str(exc)) from exc
        response = Response(body, content_type=self.MVTRenderer.media_type)
        response["Cache-Control"] = "private, max-age=30"  # works change during the day
        return response
