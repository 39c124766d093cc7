"""``POST /api/v1/parcels/{id}/plan-check/``: a drawing checked against the parcel's zoning before a file is
opened (multipart ``file``, optional ``land_use`` and ``units``); ``GET /api/v1/plan-checks/{number}/``: a
check by its number, as an application cites it. Staff who may see the parcel (the permission module's
parcels rule, fenced by city)."""

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from panjereh import access
from panjereh.citymap.models import Parcel
from panjereh.core.api_errors import error_response, field_error
from panjereh.core.ids import parse_id
from panjereh.plancheck import report
from panjereh.plancheck.models import PlanCheck, PlanCheckJob
from panjereh.plancheck.services import PlanCheckError, submit_plan

PlanInput = inline_serializer("PlanCheckInput", fields={
    "file": serializers.FileField(), "land_use": serializers.CharField(required=False),
    "units": serializers.IntegerField(required=False)})


def as_json(plan: PlanCheck) -> dict:
    return {"number": plan.number, "parcel": plan.parcel_id, "application": plan.application_id,
            "format": plan.format, "sha256": plan.sha256, "verify_url": report.verify_url(plan),
            "land_use": plan.land_use, "units": plan.units, "passed": plan.passed, "measured": plan.measured,
            "findings": plan.findings, "created_at": plan.created_at.isoformat()}


def job_json(job: PlanCheckJob) -> dict:
    return {"job": job.token, "status": job.status, "progress": job.progress, "problems": job.problems,
            "status_url": f"/api/v1/plan-check-jobs/{job.token}/",
            "result": as_json(job.result) if job.result else None}


def _answer(outcome, new: bool) -> Response:
    """201 with the check when it was made now (200 when the same drawing was checked before); 202 with the
    worker's job for a large drawing (its status_url answers the progress, then the check)."""
    if isinstance(outcome, PlanCheckJob):
        return Response(job_json(outcome), status=status.HTTP_202_ACCEPTED)
    return Response(as_json(outcome), status=status.HTTP_201_CREATED if new else status.HTTP_200_OK)


def _parcel(request, pk) -> Parcel:
    if not access.can_view_parcels(request.user):
        raise PermissionDenied("you may not check plans")
    try:
        return access.visible_parcels(request.user).get(pk=parse_id(pk))
    except (ValueError, Parcel.DoesNotExist):
        raise NotFound(f"parcel {pk} does not exist") from None


class PlanCheckView(APIView):
    parser_classes = [MultiPartParser]

    @extend_schema(operation_id="plan_check", summary="Check a drawing (DXF) against this parcel's zoning",
                   request={"multipart/form-data": PlanInput}, responses={201: OpenApiTypes.OBJECT,
                                                                        200: OpenApiTypes.OBJECT})
    def post(self, request, pk):
        parcel = _parcel(request, pk)
        upload = request.FILES.get("file")
        if upload is None:
            return field_error(status.HTTP_400_BAD_REQUEST, "file", _("Attach the drawing as «file»."))
        units = request.data.get("units") or None
        try:
            units = int(units) if units is not None else None
        except (TypeError, ValueError):
            return field_error(status.HTTP_400_BAD_REQUEST, "units", _("Units: a number from 1 to 500."))
        try:
            outcome, new = submit_plan(actor=request.user, parcel=parcel, upload=upload,
                                  land_use=request.data.get("land_use", ""), units=units)
        except PlanCheckError as exc:
            return error_response(status.HTTP_400_BAD_REQUEST, "drawing_not_checked", str(exc),
                                  {exc.field: exc.problems})
        return _answer(outcome, new)


class PlanCheckDetailView(APIView):
    @extend_schema(operation_id="plan_check_detail", summary="A plan check by its number",
                   responses=OpenApiTypes.OBJECT)
    def get(self, request, number):
        if not access.can_view_parcels(request.user):
            raise PermissionDenied("you may not read plan checks")
        plan = PlanCheck.objects.filter(number=str(number).upper(),
                                        parcel__in=access.visible_parcels(request.user)).first()
        if plan is None:
            raise NotFound(f"plan check {number} does not exist")
        return Response(as_json(plan))


class FilePlanCheckView(APIView):
    parser_classes = [MultiPartParser]

    @extend_schema(operation_id="file_plan_check", summary="Check a drawing for a file and keep it with the file",
                   request={"multipart/form-data": PlanInput}, responses={201: OpenApiTypes.OBJECT,
                                                                        200: OpenApiTypes.OBJECT})
    def post(self, request, pk):
        app = access.visible_applications(request.user).filter(pk=parse_id(pk) if str(pk).isdigit() else 0).first()
        if app is None:
            raise NotFound(f"application {pk} does not exist")
        if not access.can_add_document(request.user, app):
            raise PermissionDenied("drawings are checked on a file by those who add its documents")
        upload = request.FILES.get("file")
        if upload is None:
            return field_error(status.HTTP_400_BAD_REQUEST, "file", _("Attach the drawing as «file»."))
        try:
            outcome, new = submit_plan(actor=request.user, application=app, upload=upload,
                                  land_use=request.data.get("land_use", ""))
        except PlanCheckError as exc:
            return error_response(status.HTTP_400_BAD_REQUEST, "drawing_not_checked", str(exc),
                                  {exc.field: exc.problems})
        return _answer(outcome, new)


class PlanCheckJobView(APIView):
    @extend_schema(operation_id="plan_check_job", summary="A large drawing's check in the worker: progress, then "
                   "the check", responses=OpenApiTypes.OBJECT)
    def get(self, request, token):
        if not access.can_view_parcels(request.user):
            raise PermissionDenied("you may not read plan checks")
        job = PlanCheckJob.objects.filter(token=token, parcel__in=access.visible_parcels(request.user)).first()
        if job is None:
            raise NotFound("no such plan check job")
        return Response(job_json(job))
