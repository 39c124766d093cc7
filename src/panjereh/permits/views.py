"""Pages of the single window: the printable permit with its QR verification link, the public
verification page, and the page the bank's gateway sends the payer back to."""

from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import translation
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from panjereh import access
from panjereh.billing import psp
from panjereh.billing.models import Bill, Payment
from panjereh.core.uploads import open_stored
from panjereh.permits import pdf, services
from panjereh.permits.models import Application, CompletionCertificate, Permit
from panjereh.permits.paper_contexts import certificate_context


def _readable_permit(request, number) -> Permit:
    """The permit, if the reader may see its file: staff who see the file, or its applicant signed in from
    home; 404 for anyone else."""
    permit = get_object_or_404(Permit.objects.select_related("application__parcel", "application__applicant"),
                               number=number)
    own = access.citizen_file_filter(request.session.get("citizen"))  # the applicant, signed in from home
    if not access.visible_applications(request.user).filter(pk=permit.application_id).exists() and not (
            own and Application.objects.filter(pk=permit.application_id, **own).exists()):
        raise Http404("no such permit")
    return permit


def _signed_in_somehow(request):
    if not request.user.is_authenticated and not request.session.get("citizen"):
        from django.contrib.auth.views import redirect_to_login

        return redirect_to_login(request.get_full_path())
    return None


def permit_certificate(request, number):
    """The printable permit (A4, right to left), for staff who can see the file and for its applicant signed
    in from home; anyone else gets 404 (or the sign-in page when not signed in at all)."""
    return _signed_in_somehow(request) or _certificate_page(request, _readable_permit(request, number))


def _certificate_page(request, permit):
    with translation.override("fa"):  # the permit is a Persian document, whatever the reader's page language
        return render(request, "permits/certificate.html",
                      certificate_context(permit, request.build_absolute_uri("/")))


def permit_certificate_pdf(request, number):
    """The permit as the PDF rendered when it issued (the original), with its SHA-256 in a header."""
    return _signed_in_somehow(request) or _pdf_response(_readable_permit(request, number))


def _pdf_response(permit):
    try:
        name, digest = pdf.permit_pdf(permit)
    except pdf.NotSignedYet:
        raise Http404("the permit is waiting for its signature") from None
    response = FileResponse(open_stored(name), content_type="application/pdf", as_attachment=True,
                            filename=f"permit-{permit.number.replace('/', '-')}.pdf")
    response["X-Content-SHA256"] = digest
    return response


MAX_COMPARED_PDF = 30 * 1024 * 1024  # a permit's PDF is well under a megabyte; anything larger is not it


@require_http_methods(["GET", "POST"])
def permit_verify(request, code):
    """Public: anyone holding the printed permit can check it is genuine, and upload the PDF they hold to have
    its SHA-256 compared with the original's here (no comparing 64 hex digits by eye)."""
    permit = Permit.objects.select_related("application__parcel").filter(verification_code=code).first()
    return _verify_page(request, "permit", permit, code)


def _digest(paper, kind: str) -> str:
    """The SHA-256 of the original PDF of a paper (rendered now if the worker has not got to it yet)."""
    try:
        return pdf.PAPERS[kind](paper)[1]
    except Exception:  # noqa: BLE001 — the paper is genuine whether or not its PDF can be made now
        return paper.pdf_sha256


def _verify_page(request, kind, paper, code):
    """The verification page of any paper, in the site's layout and the reader's language. A POST brings the
    PDF the reader holds; its SHA-256 is computed here (never stored: the upload is read and forgotten) and
    the page says whether it is the same paper as the original."""
    import hashlib

    digest = _digest(paper, kind) if paper is not None else ""
    compared, error = None, None
    if request.method == "POST" and paper is not None:
        upload = request.FILES.get("pdf")
        if upload is None or upload.size == 0:
            error = "choose_pdf"
        elif upload.size > MAX_COMPARED_PDF:
            error = "pdf_too_large"
        else:
            held = hashlib.sha256()
            for chunk in upload.chunks():
                held.update(chunk)
            compared = {"same": held.hexdigest() == digest, "sha256": held.hexdigest()}
    status = 200 if paper else 404
    if error:
        status = 400
    return render(request, "permits/verify.html", {
        "kind": kind, "paper": paper, "sha256": digest, "code": code, "compared": compared, "error": error,
        "parcel": paper.application.parcel if paper is not None and kind != "bill" else None}, status=status)


def permit_verify_pdf(request, code):
    """Public: the original PDF of the permit behind a verification code (the code is the secret)."""
    permit = Permit.objects.select_related("application__parcel").filter(verification_code=code).first()
    if permit is None:
        raise Http404("no permit with this verification code")
    return _pdf_response(permit)


PAPERS = {"bill": Bill, "completion": CompletionCertificate}


def _paper(kind: str, code: str):
    model = PAPERS[kind]
    return model.objects.filter(verification_code=code).first() if code else None


@require_http_methods(["GET", "POST"])
def paper_verify(request, kind, code):
    """Public: a bill or a completion certificate checked against its original (its PDF's SHA-256)."""
    return _verify_page(request, kind, _paper(kind, code), code)


def paper_verify_pdf(request, kind, code):
    """Public: the original PDF of a bill or completion certificate behind its verification code."""
    paper = _paper(kind, code)
    if paper is None:
        raise Http404("nothing was issued with this verification code")
    name, digest = pdf.PAPERS[kind](paper)
    response = FileResponse(open_stored(name), content_type="application/pdf", as_attachment=True,
                            filename=f"{kind}-{paper.pk}.pdf")
    response["X-Content-SHA256"] = digest
    return response


def gateway_go(request, order_id):
    """The payer's step to a bank that wants a form POSTed to its page (Mellat's RefId, Saman's token): the form,
    sent by our own script file (the page's policy admits no inline script) or by the payer's click."""
    payment = Payment.objects.filter(provider=Payment.Provider.GATEWAY, reference=str(order_id)[:64],
                                     status=Payment.Status.PENDING).exclude(token="").first()
    if payment is None:
        raise Http404("no card payment waiting for the bank")
    try:
        gateway = psp.gateway()
    except psp.GatewayError:
        raise Http404("no bank gateway") from None
    redirect = gateway.redirect(payment.token)
    response = render(request, "permits/gateway_go.html", {"redirect": redirect, "payment": payment})
    response._csp_update = {"form-action": [psp.payer_origin()]}
    return response


@csrf_exempt  # the bank's page sends the payer here; the callback proves nothing until the PSP verifies
@require_http_methods(["GET", "POST"])
def gateway_return(request):
    """Where the bank's page sends the payer back. Settles only what the PSP's server verifies."""
    data = {**request.GET.dict(), **request.POST.dict()}  # a bank may post its fields to an address with a query
    payment, status = None, 200
    try:
        callback = psp.gateway().read_callback(data)
        outcome = services.complete_gateway_payment(order_id=callback.order_id, token=callback.token,
                                                    callback=callback.fields)
        payment = outcome.obj
        if payment.status == Payment.Status.SETTLED:
            message = "paid_now" if outcome.changed else "paid_already"
        elif payment.status == Payment.Status.REVERSED:
            message = "paid_reversed"
        elif payment.status == Payment.Status.FAILED:
            message = "paid_failed"
        else:
            message = "paid_pending"
    except services.ApplicationError:
        message, status = "paid_unknown", 404
    except (services.Conflict, psp.GatewayError):  # GatewayNotConfigured too: nothing verifies this callback
        message, status = "paid_unverified", 503
    app_id = payment.bill.application_id if payment else None
    file_url = None
    if app_id and access.visible_applications(request.user).filter(pk=app_id).exists():
        file_url = f"/files/{app_id}/"
    elif app_id:  # the applicant paying from home goes back to their own file page
        own = access.citizen_file_filter(request.session.get("citizen"))
        mine = Application.objects.filter(pk=app_id, **own).first() if own else None
        file_url = reverse("citizen-file", args=[mine.tracking_code]) if mine else None
    return render(request, "permits/gateway_done.html", {"payment": payment, "message_key": message,
                                                         "file_url": file_url}, status=status)
