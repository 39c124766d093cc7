"""REST API of crisis response and consistency checks."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from panjereh import access
from panjereh.citymap import fence
from panjereh.core import fields
from panjereh.core.api_errors import field_error
from panjereh.crisis import services
from panjereh.crisis.models import ConsistencyRun, Finding, Incident


class IncidentRequest(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Incident.Kind.choices)
    lon = fields.FloatField(required=False)
    lat = fields.FloatField(required=False)
    feature = fields.IntegerField(required=False, min_value=1)
    radius_m = fields.FloatField(required=False, default=50)
    note = fields.TextField(required=False, default="", allow_blank=True, max_length=500)


def incident_summary(incident: Incident, user) -> dict:
    """The incident as ``user`` may read it: assets of layers hidden from them are counted, not described."""
    feature = incident.feature_id
    if feature is not None and not access.feature_visible(user, incident.feature):
        feature = None
    return {"id": incident.pk, "kind": incident.kind, "reported_at": incident.reported_at,
            "feature": feature, "radius_m": incident.radius_m, "note": incident.note,
            "report_url": f"/incidents/{incident.pk}/report/",
            **access.redact("incident", user, incident.response)}


class IncidentListView(APIView):
    @extend_schema(summary="Record an incident: which valves to close, who loses supply, what lies around",
                   request=IncidentRequest, responses={201: OpenApiTypes.OBJECT})
    def post(self, request):
        if not access.can_report_incident(request.user):
            raise PermissionDenied("only agency and crisis staff record incidents")
        body = IncidentRequest(data=request.data)
        body.is_valid(raise_exception=True)
        d = body.validated_data
        try:
            incident = services.report_incident(actor=request.user, kind=d["kind"], lon=d.get("lon"), lat=d.get("lat"),
                                                feature_id=d.get("feature"), radius_m=d["radius_m"], note=d["note"])
        except services.IncidentError as exc:
            return field_error(status.HTTP_400_BAD_REQUEST, exc.field, str(exc))
        return Response(incident_summary(incident, request.user), status=status.HTTP_201_CREATED)


class IncidentDetailView(APIView):
    @extend_schema(summary="An incident and its computed response", responses=OpenApiTypes.OBJECT)
    def get(self, request, pk):
        if not access.can_report_incident(request.user):
            raise PermissionDenied("only agency and crisis staff see incidents")
        incident = fence.within(request.user, Incident.objects, "location").filter(pk=pk).first()
        if incident is None:
            raise NotFound(f"incident {pk} does not exist")
        return Response(incident_summary(incident, request.user))


class ConsistencyRunView(APIView):
    @extend_schema(summary="Run every consistency check over the whole map (coordinators)", request=None,
                   responses={201: OpenApiTypes.OBJECT})
    def post(self, request):
        if not access.is_coordinator(request.user):
            raise PermissionDenied("only coordinators start a whole-city run")
        run = services.run_consistency(actor=request.user)
        return Response({"run": run.pk, "seconds": run.seconds, "counts": run.counts}, status=status.HTTP_201_CREATED)


class FindingListView(APIView):
    @extend_schema(summary="Findings of the latest run that concern your agency (coordinators: all)",
                   parameters=[OpenApiParameter("check", str)], responses=OpenApiTypes.OBJECT)
    def get(self, request):
        run = ConsistencyRun.objects.first()
        if run is None:
            return Response({"run": None, "findings": []})
        findings = access.visible_findings(request.user, Finding.objects.filter(run=run)
                                                .select_related("agency", "other_agency"))
        if request.query_params.get("check"):
            findings = findings.filter(check_name=request.query_params["check"])
        return Response({"run": run.pk, "started_at": run.started_at, "findings": [
            {"check": f.check_name, "agency": f.agency.code, "other_agency": f.other_agency.code if f.other_agency
             else None, "layer": f.layer_code, "features": f.features, "message_fa": f.message_fa,
             "message_en": f.message_en, "data": f.data} for f in findings]})
