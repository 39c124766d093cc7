"""REST API of the single window: validate, check permission, call a service, show the file."""

from django.db.models import Prefetch
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.fields import empty
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from panjereh import access
from panjereh.citymap.models import Parcel
from panjereh.core import fields
from panjereh.core.api_errors import error_response, field_error
from panjereh.core.calendar import jalali
from panjereh.core.identifiers import (
    InvalidIdentifier,
    validate_legal_id,
    validate_national_id,
)
from panjereh.core.ids import parse_id
from panjereh.core.text import Localized, normalize_digits, parse_float, parse_int
from panjereh.agencies import sizes
from panjereh.billing import psp
from panjereh.billing.models import Payment
from panjereh.permits import services, tracking
from panjereh.core.clientip import client_ip
from panjereh.permits.models import (
    Application,
    Document,
    ReviewTask,
    ServiceRequest,
    TariffChange,
)



class ApplicantSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["person", "entity"])
    national_id = fields.NationalIdField(help_text="کد ملی (10 digits) or, for an entity, شناسه ملی (11 digits)")
    name = fields.TextField(max_length=200)
    mobile = fields.MobileField()

    def validate(self, data):
        try:
            if data["kind"] == "person":
                data["national_id"] = validate_national_id(data["national_id"])
            else:
                data["national_id"] = validate_legal_id(data["national_id"])
        except InvalidIdentifier as exc:
            raise ValidationError({"national_id": [str(exc)]}) from exc
        return data


MEMBERSHIP = r"^[0-9]{1,3}(-[0-9]{1,3})?-[0-9]{3,8}$|^[0-9]{4,12}$"


class PermitRequestSerializer(serializers.Serializer):
    permit_type = serializers.ChoiceField(choices=Application.PermitType.choices)
    land_use = serializers.ChoiceField(choices=[c for c, _ in Application._meta.get_field("land_use").choices])
    floors = fields.IntegerField(min_value=1, max_value=60)
    units = fields.IntegerField(min_value=1, max_value=2000)
    gross_floor_area = fields.FloatField(min_value=1, max_value=1_000_000)
    parking_spaces = fields.IntegerField(min_value=0, max_value=5000, default=0)
    address = fields.TextField(required=False, allow_blank=True, default="", max_length=300)
    designer_name = fields.TextField(required=False, allow_blank=True, default="", max_length=120)
    designer_membership = serializers.RegexField(MEMBERSHIP, required=False, allow_blank=True, default="",
                                                 max_length=20, help_text="engineering council membership number")
    supervisor_name = fields.TextField(required=False, allow_blank=True, default="", max_length=120)
    supervisor_membership = serializers.RegexField(MEMBERSHIP, required=False, allow_blank=True, default="",
                                                   max_length=20)
    documents = serializers.ListField(child=serializers.ChoiceField(choices=Document.choices), required=False,
                                      default=list, max_length=len(Document.choices),
                                      help_text="the documents checked at the counter")

    def to_internal_value(self, data):
        if isinstance(data, dict):
            data = {**data}
            for key in ("designer_membership", "supervisor_membership"):
                if isinstance(data.get(key), str):
                    data[key] = normalize_digits(data[key]).strip()
        return super().to_internal_value(data)


class ServiceChoiceSerializer(serializers.Serializer):
    timing = serializers.ChoiceField(choices=ServiceRequest.Timing.choices)
    size = serializers.DictField(required=False, default=dict)


def _number(size: dict, key: str, default, parse):
    """One number of a service's size, typed in any digits; a ValidationError under its own key otherwise."""
    try:
        return parse(size.get(key, default))
    except ValueError as exc:
        raise ValidationError({key: [str(exc)]}) from exc


def _one_of(value, key: str, known: list[str]) -> None:
    if str(value) not in known:
        raise ValidationError({key: [_("%(value)s is not offered here; the city's fee schedule has %(known)s.")
                                     % Localized({"value": value, "known": "، ".join(known)})]})


def clean_size(code: str, size: dict) -> dict:
    """Check a service's size (water diameter, power phases and kW, gas meter class, telecom lines): the values
    that take one of a list are those the city's fee schedule prices (``agencies.sizes``)."""
    out = {}
    offered = sizes.offered(code)
    try:
        if code == "water":
            out["diameter_mm"] = _number(size, "diameter_mm", 20, parse_int)
            _one_of(out["diameter_mm"], "diameter_mm", offered["diameter_mm"])
        elif code == "power":
            out["phases"] = _number(size, "phases", 1, parse_int)
            out["kw"] = _number(size, "kw", 5, parse_float)
            _one_of(out["phases"], "phases", offered["phases"])
            if not 0 < out["kw"] <= 2000:
                raise ValidationError({"kw": [_("The power demand must be more than 0 and at most 2000 kW.")]})
        elif code == "gas":
            out["meter_class"] = str(size.get("meter_class", "G4")).upper()
            _one_of(out["meter_class"], "meter_class", offered["meter_class"])
        elif code == "telecom":
            out["lines"] = _number(size, "lines", 1, parse_int)
            if not 1 <= out["lines"] <= 500:
                raise ValidationError({"lines": [_("The number of telephone lines is between 1 and 500.")]})
    except TypeError as exc:
        raise ValidationError({"size": [_("A size must be a number: %(reason)s")
            % Localized({"reason": exc})]}) from exc
    unknown = set(size) - sizes.ALL_FIELDS
    if unknown:
        raise ValidationError({"size": [_("Unknown size fields: %(names)s.")
            % Localized({"names": "، ".join(sorted(unknown))})]})
    return out


class ApplicationCreateSerializer(serializers.Serializer):
    parcel = fields.IntegerField(min_value=1)
    applicant = ApplicantSerializer()
    permit = PermitRequestSerializer()
    services = serializers.DictField(child=ServiceChoiceSerializer())

    def validate_parcel(self, value):
        request = self.context.get("request")
        parcels = access.visible_parcels(request.user) if request is not None else Parcel.objects.all()
        parcel = parcels.filter(pk=value).first()
        if parcel is None:
            raise ValidationError(_("Parcel %(id)s does not exist.") % Localized({"id": value}))
        return parcel

    def validate_services(self, value):
        cleaned, errors = {}, {}
        for code, choice in value.items():
            try:
                size = clean_size(code, choice.get("size", {})) if choice["timing"] != "not_needed" else {}
            except ValidationError as exc:
                errors[code] = exc.detail
                continue
            cleaned[code] = {"timing": choice["timing"], "size": size}
        if errors:
            raise ValidationError(errors)
        return cleaned


class EstimateSerializer(ApplicationCreateSerializer):
    """The request without the applicant: what the counter checks before a file is opened."""

    applicant = None


def estimate_detail(result: dict, user) -> dict:
    """An estimate as JSON, with the map's answer filtered for the reader like everywhere else."""
    return {"feasibility": access.redact("feasibility", user, result["feasibility"]),
            "planning_problems": result["planning_problems"], "total": result["total"],
            "lines": [{"agency": line["agency"].code, "code": line["code"], "description_fa": line["fa"],
                       "description_en": line["en"], "amount": line["amount"]} for line in result["lines"]]}


class EstimateView(APIView):
    @extend_schema(operation_id="applications_estimate",
                   summary="Before opening a file: the map's feasibility, the zoning problems and the fee estimate "
                           "(nothing is written)", request=EstimateSerializer, responses={200: OpenApiTypes.OBJECT})
    def post(self, request):
        if not access.can_submit(request.user):
            raise PermissionDenied("only counter operators open applications")
        body = EstimateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        d = body.validated_data
        try:
            result = services.estimate(parcel=d["parcel"], permit=d["permit"], services=d["services"])
        except services.ApplicationError as exc:
            return _error(exc)
        return Response(estimate_detail(result, request.user))


def _error(exc: services.ApplicationError):
    return field_error(status.HTTP_400_BAD_REQUEST, exc.field, str(exc))


def _conflict(exc: services.Conflict):
    return error_response(status.HTTP_409_CONFLICT, "conflict", str(exc))


def task_summary(t: ReviewTask) -> dict:
    return {"agency": t.agency.code, "agency_fa": t.agency.name_fa, "stage": t.stage, "round": t.round,
            "status": t.status,
            "due_date": t.due_date, "due_date_jalali": jalali(t.due_date), "overdue": t.overdue_at is not None,
            "decided_at": t.decided_at, "conditions": t.conditions, "info_request": t.info_request,
            "withdrawn_note": t.withdrawn_note,
            "info_requests": [{"question": q.question, "asked_at": q.asked_at, "asked_at_jalali": jalali(q.asked_at),
                               "answer": q.answer, "answered_at": q.answered_at,
                               "answered_at_jalali": jalali(q.answered_at) if q.answered_at else None,
                               "waited_working_days": q.waited_working_days} for q in t.info_requests.all()],
            "reason": {"number": t.reason.number, "fa": t.reason.text_fa, "en": t.reason.text_en} if t.reason else None}


def application_detail(app: Application, user) -> dict:
    """The whole file as ``user`` may read it: applicant, request, map checks (assets of layers the user may
    not see are counted, not shown), every agency's task, bills, permit, orders, tariffs."""
    permit = getattr(app, "permit", None)
    return {
        "id": app.pk, "tracking_code": app.tracking_code, "status": app.status, "parcel": app.parcel_id,
        "round": app.round,
        "submitted_at": app.submitted_at, "submitted_at_jalali": jalali(app.submitted_at),
        "office": app.office.code if app.office else None,
        "applicant": {"kind": app.applicant_kind, "national_id": app.applicant.national_id,
                      "name": app.applicant_name, "mobile": app.applicant_mobile},
        "permit_request": {"permit_type": app.permit_type, "land_use": app.land_use, "floors": app.floors,
                           "units": app.units, "gross_floor_area": app.gross_floor_area,
                           "parking_spaces": app.parking_spaces, "address": app.address,
                           "designer_name": app.designer_name, "designer_membership": app.designer_membership,
                           "supervisor_name": app.supervisor_name, "supervisor_membership": app.supervisor_membership,
                           "documents": app.documents},
        "services": [{"service": sr.service.code, "timing": sr.timing, "size": sr.size,
                      "activated_at": sr.activated_at} for sr in app.service_requests.all()],
        "feasibility": access.redact("feasibility", user, app.feasibility), "planning_problems": app.planning_problems,
        "tasks": [task_summary(t) for t in app.tasks.all()],
        "bills": [{"stage": b.stage, "total": b.total, "paid": b.paid, "settled_at": b.settled_at,
                   "lines": [{"agency": line.agency.code, "code": line.code, "description_fa": line.description_fa,
                              "description_en": line.description_en, "amount": line.amount}
                             for line in b.lines.all()],
                   "payments": [{"provider": p.provider, "reference": p.reference, "amount": p.amount,
                                 "status": p.status, "settled_at": p.settled_at} for p in b.payments.all()]}
                  for b in app.bills.all()],
        "permit": {"number": permit.number, "issued_at": permit.issued_at, "issued_at_jalali": jalali(permit.issued_at),
                   "certificate_url": f"/permits/{permit.number}/certificate/",
                   "verify_url": f"/verify/{permit.verification_code}/"} if permit else None,
        "connection_orders": [{"service": o.service.code, "agency": o.agency.code, "status": o.status,
                               "created_at": o.created_at, "subscription_number": o.subscription_number}
                              for o in app.connection_orders.all()],
        "completion": {"issued_at": app.completion.issued_at} if hasattr(app, "completion") else None,
    }


def _with_details(qs):
    """Everything application_detail reads, fetched in a fixed number of queries."""
    return qs.select_related("applicant", "office", "parcel").prefetch_related(
        Prefetch("tasks", queryset=ReviewTask.objects.select_related("agency", "reason").prefetch_related(
            "info_requests")),
        "service_requests__service", "bills__lines__agency", "bills__payments", "connection_orders__service",
        "connection_orders__agency")


def _applications(user):
    return access.visible_applications(user, _with_details(Application.objects.all()))


def _application(request, pk) -> Application:
    try:
        pk = parse_id(pk)
    except ValueError:
        raise NotFound(f"application {pk} does not exist") from None
    app = _applications(request.user).filter(pk=pk).first()
    if app is None:  # not there, or not yours: the same answer
        raise NotFound(f"application {pk} does not exist")
    return app


class ApplicationListView(APIView):
    @extend_schema(operation_id="applications_list", summary="Files you may see (an agency: those it has a task in)",
                   parameters=[OpenApiParameter("status", str), OpenApiParameter("open_for", str),
                               OpenApiParameter("city", str, description="a city's code: its files only")],
                   responses=OpenApiTypes.OBJECT)
    def get(self, request):
        qs = access.visible_applications(request.user).select_related("applicant", "city")
        if request.query_params.get("city"):
            qs = qs.filter(city__code=request.query_params["city"])
        if request.query_params.get("status"):
            qs = qs.filter(status=request.query_params["status"])
        if request.query_params.get("open_for"):
            qs = qs.filter(tasks__agency__code=request.query_params["open_for"],
                           tasks__status__in=ReviewTask.OPEN).distinct()
        return Response({"applications": [{"id": a.pk, "tracking_code": a.tracking_code, "status": a.status,
                                           "city": a.city.code, "parcel": a.parcel_id, "submitted_at": a.submitted_at}
                                          for a in qs.order_by("-submitted_at")[:500]]})

    @extend_schema(summary="Open a file at the counter: permit and every utility, checked on the map first",
                   request=ApplicationCreateSerializer, responses={201: OpenApiTypes.OBJECT})
    def post(self, request):
        if not access.can_submit(request.user):
            raise PermissionDenied("only counter operators open applications")
        body = ApplicationCreateSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        data = body.validated_data
        try:
            app = services.submit_application(actor=request.user, parcel=data["parcel"], applicant=data["applicant"],
                                              permit=data["permit"], services=data["services"],
                                              office=access.submitting_office(request.user))
        except services.ApplicationError as exc:
            return _error(exc)
        return Response(application_detail(_applications(request.user).get(pk=app.pk), request.user),
                        status=status.HTTP_201_CREATED)


class ApplicationDetailView(APIView):
    @extend_schema(summary="The whole file: tasks, bill, payments, permit, connection orders",
                   responses=OpenApiTypes.OBJECT)
    def get(self, request, pk):
        return Response(application_detail(_application(request, pk), request.user))


class DecisionSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=list(services.DECISIONS))
    conditions = fields.TextField(required=False, allow_blank=True, default="", max_length=4000)
    info_request = fields.TextField(required=False, allow_blank=True, default="", max_length=4000)
    reason = fields.IntegerField(required=False, allow_null=True, default=None, min_value=1)


class DecisionView(APIView):
    @extend_schema(summary="An agency decides its review task", request=DecisionSerializer,
                   responses=OpenApiTypes.OBJECT)
    def post(self, request, pk, agency_code):
        app = _application(request, pk)
        if not access.can_decide(request.user, agency_code):
            raise PermissionDenied(f"you may not decide for agency {agency_code}")
        body = DecisionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        d = body.validated_data
        try:
            outcome = services.record_decision(actor=request.user, application=app, agency_code=agency_code,
                                               decision=d["decision"], conditions=d["conditions"],
                                               info_request=d["info_request"], reason_number=d["reason"])
        except services.ApplicationError as exc:
            return _error(exc)
        except services.Conflict as exc:
            return _conflict(exc)
        return Response({"changed": outcome.changed, "task": task_summary(outcome.obj),
                         "application": application_detail(_application(request, pk), request.user)})


class AmendedPermitSerializer(PermitRequestSerializer):
    """The permit request as amended: only what changes is sent."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            # neither required nor defaulted: a field not sent keeps the file's value
            field.required = False
            field.default = empty


class ResubmitSerializer(serializers.Serializer):
    permit = AmendedPermitSerializer(required=False)
    note = fields.TextField(required=False, allow_blank=True, default="", max_length=500,
                            help_text="what the applicant changed")


class ResubmitView(APIView):
    @extend_schema(summary="Amend a refused file and submit it again on the same file number: every agency "
                           "concerned reviews it in a new round", request=ResubmitSerializer,
                   responses={200: OpenApiTypes.OBJECT})
    def post(self, request, pk):
        app = _application(request, pk)
        if not access.can_answer_for_applicant(request.user, app):
            raise PermissionDenied("a file is resubmitted at the counter office that holds it")
        body = ResubmitSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            services.resubmit_application(actor=request.user, application=app,
                                          permit=body.validated_data.get("permit") or {},
                                          note=body.validated_data["note"])
        except services.ApplicationError as exc:
            return _error(exc)
        except services.Conflict as exc:
            return _conflict(exc)
        return Response({"application": application_detail(_application(request, pk), request.user)})


class AnswerSerializer(serializers.Serializer):
    answer = fields.TextField(max_length=4000, help_text="the applicant's answer, as recorded at the counter")


class AnswerView(APIView):
    @extend_schema(summary="Record the applicant's answer to an agency's question: the agency's clock starts again, "
                           "its deadline moved on by the working days the file waited",
                   request=AnswerSerializer, responses={200: OpenApiTypes.OBJECT})
    def post(self, request, pk, agency_code):
        app = _application(request, pk)
        if not access.can_answer_for_applicant(request.user, app):
            raise PermissionDenied("answers are recorded at the counter office that holds the file")
        body = AnswerSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            services.answer_info_request(actor=request.user, application=app, agency_code=agency_code,
                                         answer=body.validated_data["answer"])
        except services.ApplicationError as exc:
            return _error(exc)
        except services.Conflict as exc:
            return _conflict(exc)
        return Response({"application": application_detail(_application(request, pk), request.user)})


class PaymentSerializer(serializers.Serializer):
    provider = serializers.ChoiceField(choices=[Payment.Provider.CASH, Payment.Provider.GATEWAY])
    amount = fields.IntegerField(min_value=1, max_value=10**15)
    reference = serializers.CharField(required=False, allow_blank=True, default="", max_length=64,
                                      help_text="cash: the receipt number. Card payments take none: the bank's "
                                                "reference comes from the bank")


class PaymentView(APIView):
    @extend_schema(summary="Pay the open bill: cash at the counter, or start a card payment at the bank gateway "
                           "(pay_url: send the payer there; the payment settles when the bank verifies it)",
                   request=PaymentSerializer,
                   responses={201: OpenApiTypes.OBJECT, 200: OpenApiTypes.OBJECT, 400: OpenApiTypes.OBJECT,
                              403: OpenApiTypes.OBJECT, 404: OpenApiTypes.OBJECT, 409: OpenApiTypes.OBJECT})
    def post(self, request, pk):
        app = _application(request, pk)
        if not access.can_take_payment(request.user, app):
            raise PermissionDenied("payments are taken at the counter office that holds the file")
        body = PaymentSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        d = body.validated_data
        pay_url = None
        try:
            if d["provider"] == Payment.Provider.GATEWAY:
                if d["reference"]:
                    raise services.ApplicationError("reference", _("A card payment's reference comes from the bank; "
                                                                   "send none."))
                payment, pay_url = services.start_gateway_payment(
                    actor=request.user, application=app, amount=d["amount"],
                    callback_url=request.build_absolute_uri(reverse("gateway-return")))
                changed = True
            else:
                outcome = services.record_payment(actor=request.user, application=app, provider=d["provider"],
                                                  amount=d["amount"], reference=normalize_digits(d["reference"]))
                payment, changed = outcome.obj, outcome.changed
        except psp.GatewayNotConfigured as exc:
            return field_error(status.HTTP_400_BAD_REQUEST, "provider", str(exc))
        except services.ApplicationError as exc:
            return _error(exc)
        except services.Conflict as exc:
            return _conflict(exc)
        data = {"changed": changed, "payment": {"provider": payment.provider, "reference": payment.reference,
                                                "amount": payment.amount, "status": payment.status},
                "application": application_detail(_application(request, pk), request.user)}
        if pay_url:
            data["pay_url"] = pay_url
        return Response(data, status=status.HTTP_201_CREATED if changed else status.HTTP_200_OK)


class ActivateSerializer(serializers.Serializer):
    size = serializers.DictField(required=False)


class ActivateServiceView(APIView):
    @extend_schema(summary="Turn on a service chosen 'later', on the same file", request=ActivateSerializer,
                   responses=OpenApiTypes.OBJECT)
    def post(self, request, pk, service):
        app = _application(request, pk)
        if not access.can_activate_service(request.user, app):
            raise PermissionDenied("services are activated at the counter office that holds the file")
        body = ActivateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        size = body.validated_data.get("size")
        if size is not None:
            size = clean_size(service, size)
        try:
            outcome = services.activate_service(actor=request.user, application=app, service_code=service, size=size)
        except services.ApplicationError as exc:
            return _error(exc)
        except services.Conflict as exc:
            return _conflict(exc)
        return Response({"changed": outcome.changed, "task": task_summary(outcome.obj),
                         "application": application_detail(_application(request, pk), request.user)},
                        status=status.HTTP_201_CREATED if outcome.changed else status.HTTP_200_OK)


class CompletionSerializer(serializers.Serializer):
    reason = fields.TextField(required=False, allow_blank=True, default="", max_length=2000,
                              help_text="required while a connection is not installed: why completion comes first")


class CompletionView(APIView):
    @extend_schema(summary="Certify completion (گواهی پایان کار): the tariff goes to the final use",
                   request=CompletionSerializer,
                   responses={201: OpenApiTypes.OBJECT, 200: OpenApiTypes.OBJECT, 400: OpenApiTypes.OBJECT,
                              409: OpenApiTypes.OBJECT})
    def post(self, request, pk):
        app = _application(request, pk)
        if not access.can_certify_completion(request.user):
            raise PermissionDenied("only the municipality's signing official certifies completion")
        body = CompletionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            outcome = services.certify_completion(actor=request.user, application=app,
                                                  reason=body.validated_data["reason"])
        except services.ApplicationError as exc:
            return _error(exc)
        except services.Conflict as exc:
            return _conflict(exc)
        return Response({"changed": outcome.changed, "application": application_detail(_application(request, pk), request.user)},
                        status=status.HTTP_201_CREATED if outcome.changed else status.HTTP_200_OK)


class ParcelTariffsView(APIView):
    @extend_schema(summary="The parcel's water tariff class and its changes", responses=OpenApiTypes.OBJECT)
    def get(self, request, pk):
        if not access.can_view_parcels(request.user):
            raise PermissionDenied("you may not view parcels")
        try:
            parcel = access.visible_parcels(request.user).get(pk=parse_id(pk))
        except (Parcel.DoesNotExist, ValueError):
            raise NotFound(f"parcel {pk} does not exist") from None
        changes = list(TariffChange.objects.filter(parcel=parcel).select_related("permit").order_by("created_at", "id"))
        current = services.current_tariff_class(parcel)
        return Response({"parcel": parcel.pk, "current_class": current,
                         "changes": [{"permit": c.permit.number, "cause": c.cause, "from": c.from_class,
                                      "to": c.to_class, "effective_date": c.effective_date,
                                      "effective_date_jalali": jalali(c.effective_date)} for c in changes]})


class TrackRequest(serializers.Serializer):
    mobile = fields.MobileField(help_text="the applicant's mobile as given on the file, 09xxxxxxxxx")


class TrackView(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]  # public; what each caller sees is decided by the permission module
    throttle_classes = []  # the limit is the tracking page's too (permits.tracking), one budget per address

    @extend_schema(summary="Follow a file by tracking code and mobile number (public; the mobile goes in the "
                           "body, never in the address)", request=TrackRequest,
                   responses={200: OpenApiTypes.OBJECT, 400: OpenApiTypes.OBJECT, 404: OpenApiTypes.OBJECT,
                              429: OpenApiTypes.OBJECT})
    def post(self, request, tracking_code):
        if tracking.too_many(client_ip(request)):
            return error_response(status.HTTP_429_TOO_MANY_REQUESTS, "throttled",
                                  _("Too many lookups from this address; try again in a minute."))
        body = TrackRequest(data=request.data)
        body.is_valid(raise_exception=True)
        mobile = body.validated_data["mobile"]
        app = tracking.find(tracking_code, mobile)
        if app is None:  # wrong code or wrong mobile: one answer, so neither can be guessed apart
            raise NotFound("no file with this tracking code and mobile number")
        detail = application_detail(_with_details(Application.objects.filter(pk=app.pk)).get(), None)
        return Response({k: detail[k] for k in ("tracking_code", "status", "submitted_at", "submitted_at_jalali",
                                                 "tasks", "planning_problems", "permit", "connection_orders")}
                        | {"bills": [{"stage": b["stage"], "total": b["total"], "paid": b["paid"]}
                                     for b in detail["bills"]]})
