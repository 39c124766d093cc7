"""Pages: the counter, the agency inbox, the file, public tracking. Server-rendered, right to left.

Pages validate with the same serializers as the REST API, ask the same permission module and call the
same services: a page can do nothing the API would refuse.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import connection
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from rest_framework.exceptions import ValidationError

from panjereh import access
from panjereh.agencies import sizes
from panjereh.agencies.queries import municipality_of
from panjereh.agencies.models import RefusalReason, Service
from panjereh.citizens import addresses
from panjereh.citizens.services import accept_file
from panjereh.citymap.api import parcel_search
from panjereh.citymap.models import Parcel
from panjereh.core.calendar import local_date, working_days_between
from panjereh.core.clientip import client_ip
from panjereh.core.identifiers import InvalidIdentifier, validate_mobile
from panjereh.core.text import Localized, normalize_digits, normalize_text, parse_int
from panjereh.permits import risk, services, tracking, transitions
from panjereh.permits.services import supervision
from panjereh.billing import psp
from panjereh.permits.api import (
    ApplicationCreateSerializer,
    DecisionSerializer,
    EstimateSerializer,
    ResubmitSerializer,
    estimate_detail,
)
from panjereh.permits.models import Application, Document, ReviewTask
from panjereh.permits.timeline import task_rows
from panjereh.web import plan_forms
from panjereh.web.words import field_word, word


def home(request):
    """The landing page: where each kind of user goes, and the layers this user may see."""
    layers = list(access.visible_layers(request.user).select_related("agency", "current_version")
                  .order_by("agency__code", "code"))
    for layer in layers:
        layer.can_change = access.can_change_layer(request.user, layer)
    return render(request, "web/home.html", {"layers": layers, "parcel_count": Parcel.objects.count(),
                                             "role": access.role(request.user)})


def healthz(request):
    """Liveness for operators and load balancers: the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok", "database": connection.vendor})


def _flatten(errors, prefix="") -> list[str]:
    """A serializer's nested errors as lines "<the field's name in the page's language>: <message>"."""
    out = []
    if isinstance(errors, dict):
        for key, value in errors.items():
            out += _flatten(value, f"{prefix}{key}." if not isinstance(value, (str,)) else f"{prefix}{key}")
    elif isinstance(errors, list):
        for value in errors:
            out += _flatten(value, prefix)
    else:
        path = prefix.rstrip(".")
        out.append(f"{field_word(path, get_language() or 'fa')}: {errors}" if path else str(errors))
    return out


@login_required
def counter(request):
    """Find a parcel by plate or postal code (any digits), then open a file for it."""
    if not access.can_submit(request.user):
        raise PermissionDenied("only counter operators open files")
    q = request.GET.get("q", "").strip()
    parcels, error = [], None
    if q:
        try:
            parcels = list(access.visible_parcels(request.user).filter(parcel_search(q)).order_by("id")[:20])
        except ValidationError as exc:  # the search's own message, naming what is wrong
            error = "; ".join(_flatten(exc.detail))
    files = access.visible_applications(request.user).select_related("applicant").order_by("-submitted_at")[:20]
    awaiting = _awaiting_check(request.user)
    return render(request, "web/counter.html", {"q": q, "parcels": parcels, "error": error, "files": files,
                                                "awaiting_check": awaiting[:50]})


@login_required
@require_http_methods(["GET", "POST"])
def new_application(request, parcel_id):
    """The application form: applicant, permit, and each service now / later / not needed."""
    if not access.can_submit(request.user):
        raise PermissionDenied("only counter operators open files")
    parcel = access.visible_parcels(request.user).filter(pk=parcel_id).first()
    if parcel is None:  # another city's parcel is not found either
        raise Http404("no such parcel")
    return application_form(request, parcel)


def application_form(request, parcel, *, citizen: dict | None = None):
    """The application form, at the counter (``citizen`` None) or from home (the signed-in citizen is the
    applicant: their national ID and mobile are the proven ones, not typed; the file waits for the document
    check unless the city says a verified online file needs none)."""
    service_list = list(Service.objects.order_by("code"))
    errors, estimate = [], None
    postal = addresses.lookup(parcel.postal_code)  # the post's address for the parcel: never waited on for long
    if request.method == "POST":
        p = request.POST
        applicant = {"kind": p.get("kind"), "national_id": p.get("national_id", ""), "name": p.get("name", ""),
                     "mobile": p.get("mobile", "")}
        if citizen:
            applicant.update(national_id=citizen["national_id"], mobile=citizen["mobile"])
        body = {
            "parcel": parcel.pk,
            "applicant": applicant,
            "permit": {"permit_type": p.get("permit_type"), "land_use": p.get("land_use"), "floors": p.get("floors"),
                       "units": p.get("units"), "gross_floor_area": p.get("gross_floor_area"),
                       "parking_spaces": p.get("parking_spaces") or 0, "address": p.get("address", ""),
                       "designer_name": p.get("designer_name", ""),
                       "designer_membership": p.get("designer_membership", ""),
                       "supervisor_name": p.get("supervisor_name", ""),
                       "supervisor_membership": p.get("supervisor_membership", ""),
                       "documents": [] if citizen else p.getlist("documents")},
            "services": {s.code: {"timing": p.get(f"timing_{s.code}", "not_needed"), "size": _size(p, s.code)}
                         for s in service_list},
        }
        if p.get("action") == "check":  # before committing: map, zoning and fees, nothing written
            estimate, errors = _estimate(request, parcel, body)
        else:
            form = ApplicationCreateSerializer(data=body)
            if form.is_valid():
                d = form.validated_data
                # the address is "checked" when it is the post's own for the parcel's postal code; typed
                # otherwise (the post down or not knowing it, or the clerk changed it): kept, unchecked
                d["permit"]["address_checked"] = (None if postal["state"] in ("off", "invalid") else
                                                  postal["state"] == "found"
                                                  and normalize_text(d["permit"].get("address", ""))
                                                  == normalize_text(postal["address"]))
                online = {}
                if citizen:
                    verified = citizen.get("identity") == "verified"
                    online = {"channel": "online", "identity_verified": True if verified else None,
                              "hold_for_check": settings.PANJEREH_ONLINE_NEEDS_CHECK or not verified}
                try:
                    app = services.submit_application(
                        actor=request.user, parcel=d["parcel"], applicant=d["applicant"], permit=d["permit"],
                        services=d["services"], office=None if citizen else access.submitting_office(request.user),
                        **online)
                    if citizen:
                        return redirect("citizen-file", code=app.tracking_code)
                    return redirect("file", pk=app.pk)
                except services.ApplicationError as exc:
                    errors = [str(exc)]
            else:
                errors = _flatten(form.errors)
    return render(request, "web/new_application.html", {
        "parcel": parcel, "services": service_list, "errors": errors, "post": request.POST, "estimate": estimate,
        "citizen": citizen, "postal": postal,
        "address_value": request.POST.get("address", "") if request.method == "POST" else postal.get("address", ""),
        "service_rows": [(s, request.POST.get(f"timing_{s.code}", "now")) for s in service_list],
        "document_rows": [(code, label, code in request.POST.getlist("documents")) for code, label in Document.choices
                          if code != Document.OTHER],
        "land_uses": Application._meta.get_field("land_use").choices,
        "permit_types": Application.PermitType.choices}, status=400 if errors else 200)


def _estimate(request, parcel, body) -> tuple[dict | None, list[str]]:
    """The counter's check before a file is opened: (estimate, errors)."""
    check = EstimateSerializer(data=body)
    if not check.is_valid():
        return None, _flatten(check.errors)
    try:
        result = services.estimate(parcel=parcel, permit=check.validated_data["permit"],
                                   services=check.validated_data["services"])
    except services.ApplicationError as exc:
        return None, [str(exc)]
    return estimate_detail(result, request.user), []


def _size(post, code: str) -> dict:
    # typed (or shown) in Persian digits with ٫ as the decimal point: read as the API reads numbers
    return {f: normalize_digits(post.get(f"{code}_{f}")).replace("٫", ".").strip()
            for f in sizes.FIELDS.get(code, ()) if post.get(f"{code}_{f}")}


def _awaiting_check(user):
    """The files from home waiting for their document check that ``user`` may read, the oldest first (the
    counter's list and an agency inbox's list are one query)."""
    return access.visible_applications(user).filter(
        status__in=transitions.statuses_allowing("accept_documents")).order_by("submitted_at")


def _visible(request, pk) -> Application:
    app = access.visible_applications(request.user).filter(pk=pk).select_related("applicant", "parcel").first()
    if app is None:
        raise Http404("no such file")
    return app


def _activate(request, app) -> str | None:
    """Turn on a service chosen 'later', with the size typed on the file page; an error message or None."""
    from panjereh.permits.api import clean_size

    code = request.POST.get("service", "")
    try:
        size = clean_size(code, _size(request.POST, code))
        services.activate_service(actor=request.user, application=app, service_code=code, size=size)
    except ValidationError as exc:
        return "; ".join(_flatten(exc.detail))
    except (services.ApplicationError, services.Conflict) as exc:
        return str(exc)
    return None


def _take_payment(request, app):
    """The counter's payment form: cash with its receipt number, or a card at the bank's page.
    Returns a redirect, an error message to show, or None."""
    try:
        amount = parse_int(request.POST.get("amount", "0"))  # «12a» is not a whole number — never Python's words
        if request.POST.get("provider") == "gateway":
            # card: the bank's page takes the payment; our server verifies it when the payer comes back
            _bill, pay_url = services.start_gateway_payment(
                actor=request.user, application=app, amount=amount,
                callback_url=request.build_absolute_uri(reverse("gateway-return")))
            return redirect(pay_url)
        services.record_payment(actor=request.user, application=app, provider="cash", amount=amount,
                                reference=normalize_digits(request.POST.get("reference", "")).strip())
        return redirect("file", pk=app.pk)
    except (ValueError, services.ApplicationError, services.Conflict, psp.GatewayError) as exc:
        return str(exc)


@login_required
@require_http_methods(["GET", "POST"])
def file_page(request, pk):
    """The whole file, and at the counter: take the payment, record the applicant's answers."""
    app = _visible(request, pk)
    message, confirm_completion = None, False
    if request.method == "POST":
        action = request.POST.get("action", "pay")
        if action in ("accept_documents", "return_documents", "close_unchecked"):
            if not access.can_check_documents(request.user):
                raise PermissionDenied("documents are checked at the municipality or a counter office")
            try:
                if action == "accept_documents":
                    accept_file(actor=request.user, application=app, office=access.submitting_office(request.user))
                elif action == "close_unchecked":
                    services.close_unchecked(actor=request.user, application=app,
                                             outcome=request.POST.get("outcome", ""),
                                             reason_number=request.POST.get("reason", ""),
                                             note=request.POST.get("note", ""))
                    messages.success(request, _("File %(code)s is closed; the applicant is told by SMS.")
                                     % Localized({"code": app.tracking_code}))
                else:
                    services.return_for_documents(actor=request.user, application=app,
                                                  note=request.POST.get("note", ""))
                return redirect("file", pk=app.pk)
            except (services.ApplicationError, services.Conflict) as exc:
                message = str(exc)
        elif action in ("upload_document", "seen_documents", "waive_document"):
            message = _documents_action(request, app, action)
            if message is None:
                messages.success(request, _("The file's documents are updated."))
                return redirect(f"{reverse('file', args=[app.pk])}#documents")
        elif action == "plan_check":
            if not access.can_add_document(request.user, app):
                raise PermissionDenied("drawings are checked on a file by those who add its documents")
            plan, problems = plan_forms.run_check(request, application=app, actor=request.user)
            if plan is not None and not hasattr(plan, "number"):  # a large drawing: the worker checks it
                return redirect("plan-check-job", token=plan.token)
            if plan is not None:
                messages.success(request, _("Plan check %(number)s is kept with the file.")
                                 % Localized({"number": plan.number}))
                return redirect(f"{reverse('file', args=[app.pk])}#plan-checks")
            message = " ".join(problems)
        elif action == "complete":
            # two steps: a summary of what completion does and of the connections still not installed, then
            # the confirmation (with the reason, when any is not installed)
            if not access.can_certify_completion(request.user):
                raise PermissionDenied("only the municipality's signing official certifies completion")
            if request.POST.get("step") != "confirm":
                confirm_completion = True
            else:
                try:
                    services.certify_completion(actor=request.user, application=app,
                                                reason=request.POST.get("reason", ""))
                    messages.success(request, _("Completion of file %(code)s is certified; its certificate is "
                                                "being made.") % Localized({"code": app.tracking_code}))
                    return redirect("file", pk=app.pk)
                except (services.ApplicationError, services.Conflict) as exc:
                    message, confirm_completion = str(exc), True
        elif not access.can_take_payment(request.user, app):
            raise PermissionDenied("this is done at the counter office that holds the file")
        elif action == "activate":
            message = _activate(request, app)
            if message is None:
                return redirect("file", pk=app.pk)
        elif action == "resubmit":
            form = ResubmitSerializer(data={"permit": {k: request.POST.get(k, "") for k in (
                "floors", "units", "gross_floor_area", "parking_spaces")}, "note": request.POST.get("note", "")})
            if form.is_valid():
                try:
                    services.resubmit_application(actor=request.user, application=app,
                                                  permit=form.validated_data.get("permit") or {},
                                                  note=form.validated_data["note"])
                    return redirect("file", pk=app.pk)
                except (services.ApplicationError, services.Conflict) as exc:
                    message = str(exc)
            else:
                message = "; ".join(_flatten(form.errors))
        elif request.POST.get("action") == "answer":
            try:
                services.answer_info_request(actor=request.user, application=app,
                                             agency_code=request.POST.get("agency", ""),
                                             answer=request.POST.get("answer", ""))
                return redirect("file", pk=app.pk)
            except (services.ApplicationError, services.Conflict) as exc:
                message = str(exc)
        else:
            response = _take_payment(request, app)
            if isinstance(response, str):
                message = response
            elif response is not None:
                return response
    app.refresh_from_db()
    profile = access.staff_profile(request.user)
    response = render(request, "web/file.html", {
        "app": app, "tasks": task_rows(app), "bills": app.bills.prefetch_related("lines__agency"),
        "open_bill": services.open_bill(app), "permit": getattr(app, "permit", None),
        "orders": app.connection_orders.select_related("service"), "message": message,
        "can_pay": access.can_take_payment(request.user, app), "card_payments": psp.is_configured(),
        "later": [sr for sr in app.service_requests.select_related("service") if sr.timing == "later"]
        if app.allows("activate_service") and access.can_activate_service(request.user, app) else [],
        "can_complete": app.allows("certify_completion") and access.can_certify_completion(request.user),
        "confirm_completion": confirm_completion and app.allows("certify_completion"),
        "uninstalled": services.uninstalled_connections(app) if app.allows("record_connections") else [],
        "completion": getattr(app, "completion", None), "reason_typed": request.POST.get("reason", ""),
        "plan_checks": app.plan_checks.order_by("-created_at", "-id"),
        "phases": supervision.phases(app) if app.status in (app.Status.ISSUED, app.Status.COMPLETED) else [],
        "risk_class": risk.of_file(app), "photo_url": "file-phase-photo", "photo_arg": app.pk,
        "final_inspection_missing": (settings.PANJEREH_COMPLETION_NEEDS_FINAL_INSPECTION
                                     and not supervision.final_inspection_passed(app)),
        "tariffs": app.parcel.tariff_changes.order_by("created_at", "id"),
        "my_agency": profile.agency.code if profile and profile.agency else None,
        "documents": app.uploaded_documents.select_related("uploaded_by__staff").order_by("kind", "-version"),
        "missing": [Document(k).label for k in services.missing_documents(app)],
        "missing_kinds": [(k, Document(k).label) for k in services.missing_documents(app)],
        "waivers": app.document_waivers.select_related("granted_by"),
        "document_kinds": Document.choices,
        "can_add_document": access.can_add_document(request.user, app) and app.allows("add_document"),
        "can_waive": access.can_waive_document(request.user) and app.allows("waive_document"),
        "can_check": app.allows("accept_documents") and access.can_check_documents(request.user),
        "check_reasons": RefusalReason.objects.filter(agency=municipality_of(app.city_id), active=True)
        if app.allows("refuse_unchecked") else [],
        "can_resubmit": access.can_take_payment(request.user, app) and app.allows("resubmit")})
    if psp.is_configured():
        # the card form's answer redirects to the bank's page: the policy's form-action must admit the bank
        response._csp_update = {"form-action": [psp.payer_origin()]}
    return response


def _documents_action(request, app, action) -> str | None:
    """The file page's documents: staff upload a scan, the counter records originals it saw, the signing
    official excuses a missing one with a reason. Returns an error to show, or None when done."""
    if action == "waive_document":
        if not access.can_waive_document(request.user):
            raise PermissionDenied("only the signing official excuses a missing document")
    elif not access.can_add_document(request.user, app):
        raise PermissionDenied("documents are added by the counter holding the file and the reviewing agencies")
    try:
        if action == "upload_document":
            upload = request.FILES.get("document")
            if upload is None:
                return _("Choose the file to upload.")
            services.add_document(actor=request.user, application=app, kind=request.POST.get("kind", ""),
                                  upload=upload, source=access.document_source(request.user))
        elif action == "seen_documents":
            kinds = request.POST.getlist("seen")
            if not kinds:
                return _("Tick the originals you saw.")
            services.record_documents_seen(actor=request.user, application=app, kinds=kinds)
        else:
            services.waive_document(actor=request.user, application=app, kind=request.POST.get("kind", ""),
                                    reason=request.POST.get("reason", ""))
    except (services.ApplicationError, services.Conflict) as exc:
        return str(exc)
    return None


@login_required
def inbox(request):
    """An agency's open tasks in the cities the user works in, earliest deadline first, with the working days
    left; an agency serving several cities shows each task's city and filters by one (``?city=``)."""
    profile = access.staff_profile(request.user)
    if profile is None or profile.agency is None:
        raise PermissionDenied("the inbox is for agency staff")
    today = local_date(timezone.now())
    tasks = access.in_cities(request.user, ReviewTask.objects.filter(
        agency=profile.agency, status__in=ReviewTask.OPEN), "application__city")
    cities = list(access.in_cities(request.user, profile.agency.cities.all(), "pk").order_by("id"))
    city = request.GET.get("city", "")
    if city:
        tasks = tasks.filter(application__city__code=city)
    tasks = tasks.select_related("application__parcel", "application__city").order_by("due_date", "id")
    # a provincial company's inbox over thirty cities is long: fifty tasks a page, the earliest deadlines first
    page = Paginator(tasks, INBOX_PAGE).get_page(request.GET.get("page"))
    rows = [{"task": t, "left": working_days_between(today, t.due_date, city=t.application.city_id), "late": t.due_date < today}
            for t in page.object_list]
    awaiting = _awaiting_check(request.user)[:50] if access.can_check_documents(request.user) else []
    return render(request, "web/inbox.html", {"rows": rows, "agency": profile.agency, "awaiting_check": awaiting,
                                              "cities": cities if len(cities) > 1 else [], "city": city,
                                              "page": page, "query": f"city={city}" if city else ""})


INBOX_PAGE = 50


@login_required
@require_http_methods(["GET", "POST"])
def decide(request, pk):
    """Decide the user's agency's task on a file (with conditions, or a numbered reason), in two steps: the
    form, then a summary of exactly what will be recorded, which the reviewer confirms (or goes back to change,
    with every choice kept). Nothing is pre-selected: a re-displayed form shows what was chosen, never a
    default that the next click would send."""
    app = _visible(request, pk)
    profile = access.staff_profile(request.user)
    agency = profile.agency.code if profile and profile.agency else None
    if not agency or not access.can_decide(request.user, agency):
        raise PermissionDenied("you do not decide for an agency")
    errors, summary = [], None
    chosen = {"decision": request.POST.get("decision", ""), "conditions": request.POST.get("conditions", ""),
              "reason": request.POST.get("reason", "")}
    if request.method == "POST":
        form = DecisionSerializer(data={"decision": chosen["decision"] or None,
                                        "conditions": chosen["conditions"],
                                        "info_request": chosen["conditions"]
                                        if chosen["decision"] == "request_info" else "",
                                        "reason": chosen["reason"] or None})
        if form.is_valid():
            d = form.validated_data
            conditions = d["conditions"] if d["decision"] != "request_info" else ""
            try:
                reason = services.check_decision(agency_code=agency, decision=d["decision"], conditions=conditions,
                                                 info_request=d["info_request"], reason_number=d["reason"])
                if request.POST.get("step") == "confirm":
                    services.record_decision(actor=request.user, application=app, agency_code=agency,
                                             decision=d["decision"], conditions=conditions,
                                             info_request=d["info_request"], reason_number=d["reason"])
                    messages.success(request, _("Your decision on file %(code)s is recorded: %(decision)s.")
                                     % Localized({"code": app.tracking_code,
                                                  "decision": word(d["decision"], get_language())}))
                    return redirect("inbox")
                if request.POST.get("step") != "change":
                    summary = {"decision": d["decision"], "reason": reason,
                               "text": d["info_request"] or conditions}
            except (services.ApplicationError, services.Conflict) as exc:
                errors = [str(exc)]
        else:
            errors = _flatten(form.errors)
    reasons = RefusalReason.objects.filter(agency=profile.agency, active=True)
    task = app.tasks.filter(agency=profile.agency).order_by("-round", "-id").first()
    today = local_date(timezone.now())
    late = bool(task and task.status in ReviewTask.OPEN and task.due_date < today)
    return render(request, "web/decide.html", {
        "app": app, "tasks": task_rows(app), "reasons": reasons, "errors": errors, "agency": profile.agency,
        "chosen": chosen, "summary": summary, "task": task, "late": late, "decisions": list(services.DECISIONS),
        "late_days": working_days_between(task.due_date, today, city=app.city_id) if late else 0},
        status=400 if errors else 200)


@require_http_methods(["GET", "POST"])
def track(request):
    """Public: a citizen follows a file with its tracking code and mobile number (sent in the POST body,
    never in the address: addresses end up in access logs and browser histories)."""
    if request.method == "POST" and tracking.too_many(client_ip(request)):
        return render(request, "web/track.html", {"error": "too_many"}, status=429)
    data = request.POST if request.method == "POST" else {}
    code = tracking.normalize_code(data.get("code", ""))
    mobile_raw = data.get("mobile", "")
    if request.method == "GET":  # the QR code of a bill or receipt fills in the tracking code, never the mobile
        prefill = tracking.normalize_code(request.GET.get("code", ""))[:12]
        return render(request, "web/track.html", {"code": prefill, "mobile": ""})
    app, error = None, None
    if code or mobile_raw:
        try:
            mobile = validate_mobile(mobile_raw)
            app = tracking.find(code, mobile)
            if app is None:
                error = "not_found"
        except InvalidIdentifier:
            error = "mobile"
    return render(request, "web/track.html", {
        "app": app, "error": error, "code": code, "mobile": mobile_raw,
        "tasks": task_rows(app) if app else [], "permit": getattr(app, "permit", None) if app else None},
        status=404 if error == "not_found" else 200)


@login_required
def file_document(request, pk, doc):
    """A document of a file, for whoever may read the file (its reviewers included), as stored."""
    from panjereh.web.citizen import document_response

    app = _visible(request, pk)
    return document_response(app.uploaded_documents.filter(pk=doc).first())


@login_required
def receipt(request, pk):
    """The applicant's printed receipt: tracking code, each agency's deadline, and a QR code to tracking."""
    from panjereh.permits.paper_contexts import qr_svg

    app = _visible(request, pk)
    track_url = request.build_absolute_uri(f"/track/?code={app.tracking_code}")
    return render(request, "web/receipt.html", {"app": app, "tasks": task_rows(app), "qr": qr_svg(track_url)})


@login_required
def bill_print(request, pk):
    """The printable bill: one sheet with every agency's share, the total, and what is paid.

    Anyone who may read the file may print its bill; the QR code opens public tracking for the file.
    """
    from panjereh.permits.paper_contexts import qr_svg

    app = _visible(request, pk)
    bills = list(app.bills.prefetch_related("lines__agency"))
    if not bills:
        raise Http404("this file has no bill yet")
    track_url = request.build_absolute_uri(f"/track/?code={app.tracking_code}")
    return render(request, "web/bill.html", {"app": app, "bills": bills, "qr": qr_svg(track_url),
                                             "printed_at": timezone.now()})
