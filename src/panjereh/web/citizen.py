"""The applicant's side, from home: sign in with the mobile and a one-time code (the mobile checked against the
national ID), find the parcel, see what the map and the plan say and what it will cost, send the file, upload
its documents, answer an agency's question, pay online, download the permit. A citizen sees only their own
files (``access.citizen_file_filter``); national IDs and mobiles are masked where not needed."""

from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from rest_framework.exceptions import ValidationError

from panjereh import access
from panjereh.citizens import services as citizens
from panjereh.citizens import session
from panjereh.citymap.api import parcel_search
from panjereh.citymap.models import Parcel
from panjereh.core import uploads
from panjereh.core.clientip import client_ip
from panjereh.permits import services
from panjereh.permits.services import supervision
from panjereh.billing import psp
from panjereh.permits.models import Application, Complaint, Document, FileDocument, ReviewTask
from panjereh.permits.timeline import task_rows
from panjereh.web.views import _flatten, application_form


def _citizen(request) -> dict:
    citizen = session.current(request)
    if citizen is None:
        raise _SignIn()
    return citizen


class _SignIn(Exception):
    """Not signed in: the page sends the visitor to the sign-in page."""


NEXT_KEY = "citizen_next"


def _signed_in(view):
    """A page of the citizen's own: not signed in, the visitor signs in first and then comes back here (a
    text message's link to "answer" or "pay" lands on the page that does it)."""
    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except _SignIn:
            if request.method == "GET":
                request.session[NEXT_KEY] = request.get_full_path()
            return redirect("citizen")
    wrapped.__name__, wrapped.__doc__ = view.__name__, view.__doc__
    return wrapped


def _own_files(citizen):
    rules = access.citizen_file_filter(citizen)
    if rules is None:
        return Application.objects.none()
    return Application.objects.filter(**rules)


def _own_file(citizen, code) -> Application:
    app = _own_files(citizen).filter(tracking_code=str(code).upper()).select_related("parcel", "applicant").first()
    if app is None:
        raise Http404("no such file of yours")
    return app


@require_http_methods(["GET", "POST"])
def start(request):
    """Sign in: the national ID and the mobile; a code is sent to the mobile."""
    if session.current(request):
        return redirect("citizen-files")
    error, field = None, None
    if request.method == "POST":
        try:
            otp = citizens.request_code(national_id=request.POST.get("national_id", ""),
                                        mobile=request.POST.get("mobile", ""), ip=client_ip(request) or None)
            request.session[session.PENDING_CODE_KEY] = otp.pk
            return redirect("citizen-code")
        except citizens.CitizenError as exc:
            error, field = str(exc), exc.field
    return render(request, "web/citizen_start.html", {"error": error, "field": field, "post": request.POST},
                  status=400 if error else 200)


@require_http_methods(["GET", "POST"])
def code(request):
    """The one-time code typed; then the identity inquiry; then the citizen's files."""
    error = None
    if request.method == "POST":
        try:
            citizen = citizens.verify_code(otp_id=request.session.get(session.PENDING_CODE_KEY),
                                           code=request.POST.get("code", ""))
            back = request.session.pop(NEXT_KEY, "")
            session.sign_in(request, citizen)
            # only our own citizen pages: a stored address is never an open redirect
            if back.startswith("/citizen/files/") and "//" not in back:
                return redirect(back)
            return redirect("citizen-files")
        except citizens.CitizenError as exc:
            error = str(exc)
    return render(request, "web/citizen_code.html", {"error": error}, status=400 if error else 200)


@require_POST
def sign_out(request):
    session.sign_out(request)
    return redirect("citizen")


@_signed_in
def files(request):
    """The citizen's own files, newest first."""
    citizen = _citizen(request)
    return render(request, "web/citizen_files.html", {
        "citizen": citizen, "masked_mobile": session.mask_mobile(citizen["mobile"]),
        "masked_id": session.mask_national_id(citizen["national_id"]),
        "files": _own_files(citizen).order_by("-submitted_at")[:100],
        "engineer": supervision.engineer_signed_in(citizen)})


@_signed_in
@require_http_methods(["GET", "POST"])
def apply(request):
    """Find the parcel by its plate or postal code, then the application form (the citizen is the applicant)."""
    citizen = _citizen(request)
    parcel_id = request.GET.get("parcel")
    if parcel_id:
        parcel = Parcel.objects.filter(pk=parcel_id).first() if str(parcel_id).isdigit() else None
        if parcel is None:
            raise Http404("no such parcel")
        return application_form(request, parcel, citizen=citizen)
    q, parcels, error = request.GET.get("q", "").strip(), [], None
    if q:
        try:
            parcels = list(Parcel.objects.filter(parcel_search(q)).order_by("id")[:10])
        except ValidationError as exc:
            error = "; ".join(_flatten(exc.detail))
    return render(request, "web/citizen_apply.html", {"q": q, "parcels": parcels, "error": error},
                  status=400 if error else 200)


@_signed_in
@require_http_methods(["GET", "POST"])
def file_page(request, code):
    """One file as its applicant sees it: where it is and with whom, each agency's questions (answered here,
    with a document if asked), the documents, the bill (paid online), the permit."""
    citizen = _citizen(request)
    app = _own_file(citizen, code)
    section = request.GET.get("to", "")
    if request.method == "GET" and section in services.LINK_SECTIONS.values():
        return redirect(f"{reverse('citizen-file', args=[app.tracking_code])}#{section}")
    message = None
    if request.method == "POST":
        try:
            response = _act(request, app)
            if response is not None:
                return response
            return redirect("citizen-file", code=app.tracking_code)
        except (services.ApplicationError, services.Conflict, psp.GatewayError) as exc:
            message = str(exc)
    app.refresh_from_db()
    waiting_on_me = [row for row in task_rows(app) if row["task"].status == ReviewTask.Status.INFO_REQUESTED
                     and row["task"].round == app.round]
    response = render(request, "web/citizen_file.html", {
        "app": app, "tasks": task_rows(app), "waiting_on_me": waiting_on_me, "message": message,
        "awaited": [row["task"].agency for row in task_rows(app) if row["task"].status in ReviewTask.OPEN
                    and row["task"].round == app.round],
        "documents": app.uploaded_documents.order_by("kind", "-version"),
        "waivers": app.document_waivers.all(),
        "missing": [Document(k).label for k in services.missing_documents(app)],
        "document_kinds": Document.choices, "bills": app.bills.prefetch_related("lines__agency"),
        "open_bill": services.open_bill(app), "can_pay_online": psp.is_configured(),
        "appeals": app.appeals.select_related("task__agency").order_by("-filed_at"),
        "complaints": app.complaints.select_related("agency").order_by("-filed_at"),
        "complaint_agencies": services.file_agencies(app), "complaint_subjects": Complaint.Subject.choices,
        "can_appeal": app.allows("appeal") and not app.appeals.filter(status="pending").exists(),
        "phases": supervision.phases(app) if app.status in (app.Status.ISSUED, app.Status.COMPLETED) else [],
        "permit": getattr(app, "permit", None), "masked_mobile": session.mask_mobile(app.applicant_mobile),
        "masked_id": session.mask_national_id(app.applicant.national_id)}, status=400 if message else 200)
    if psp.is_configured():
        # the pay form's answer redirects to the bank's page: the policy's form-action must admit the bank
        response._csp_update = {"form-action": [psp.payer_origin()]}
    return response


def _act(request, app):
    action = request.POST.get("action")
    if action == "upload":
        upload = request.FILES.get("document")
        if upload is None:
            raise services.ApplicationError("document", _("Choose the file to upload."))
        services.add_document(actor=None, application=app, kind=request.POST.get("kind", ""), upload=upload,
                              by_applicant=True)
    elif action == "appeal":
        services.file_appeal(application=app, grounds=request.POST.get("grounds", ""),
                             document=request.FILES.get("document"))
    elif action == "complain":
        services.file_complaint(application=app, agency_code=request.POST.get("agency", ""),
                                subject=request.POST.get("subject", ""), text=request.POST.get("text", ""))
    elif action == "answer":
        services.answer_info_request(actor=None, application=app, agency_code=request.POST.get("agency", ""),
                                     answer=request.POST.get("answer", ""),
                                     document=request.FILES.get("document"),
                                     document_kind=request.POST.get("kind", ""))
    elif action == "pay":
        bill = services.open_bill(app)
        if bill is None:
            raise services.Conflict(_("There is nothing to pay on this file now."))
        _payment, pay_url = services.start_gateway_payment(
            actor=None, application=app, amount=bill.total - bill.paid,
            callback_url=request.build_absolute_uri(reverse("gateway-return")))
        return redirect(pay_url)
    else:
        raise PermissionDenied("unknown action")
    return None


@_signed_in
def document(request, code, pk):
    """One document of the citizen's own file, as it was stored (with its SHA-256)."""
    app = _own_file(_citizen(request), code)
    return document_response(FileDocument.objects.filter(application=app, pk=pk).first())


def document_response(doc: FileDocument | None):
    """A stored document as a download, its hash in a header (the caller checked the reader may see it)."""
    if doc is None or not doc.file:  # an original seen at the counter has no file to download
        raise Http404("no such document")
    response = FileResponse(uploads.open_stored(doc.file), content_type=doc.content_type, as_attachment=True,
                            filename=f"{doc.application.tracking_code}-{doc.kind}-v{doc.version}."
                                     f"{uploads.EXTENSIONS.get(doc.content_type, 'bin')}")
    response["X-Content-SHA256"] = doc.sha256
    return response
