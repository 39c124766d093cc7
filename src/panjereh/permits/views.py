"""Pages of the single window: the printable permit with its QR verification link, the public
verification page, and the page the bank's gateway sends the payer back to."""

import datetime

import segno
from django.conf import settings
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import translation
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from panjereh.core import permissions
from panjereh.core.calendar import jalali, local_date
from panjereh.permits import psp, services
from panjereh.permits.models import Application, Payment, Permit


def qr_svg(url: str) -> str:
    """A QR code for ``url`` as inline SVG (permits, bills)."""
    return segno.make(url, error="m").svg_inline(scale=4, dark="#000", light="#fff")


def permit_certificate(request, number):
    """The printable permit (A4, right to left), for staff who can see the file and for its applicant signed
    in from home; anyone else gets 404 (or the sign-in page when not signed in at all)."""
    if not request.user.is_authenticated and not request.session.get("citizen"):
        from django.contrib.auth.views import redirect_to_login

        return redirect_to_login(request.get_full_path())
    permit = get_object_or_404(Permit.objects.select_related("application__parcel", "application__applicant"),
                               number=number)
    own = permissions.citizen_file_filter(request.session.get("citizen"))  # the applicant, signed in from home
    if not permissions.visible_applications(request.user).filter(pk=permit.application_id).exists() and not (
            own and Application.objects.filter(pk=permit.application_id, **own).exists()):
        raise Http404("no such permit")
    verify_url = request.build_absolute_uri(reverse("permit-verify", args=[permit.verification_code]))
    app = permit.application
    # who signed for the municipality: its review of the round that led to the permit
    signed = app.tasks.filter(agency__code="municipality", stage="initial", round=app.round) \
        .select_related("decided_by__staff").first()
    valid_until = local_date(permit.issued_at) + datetime.timedelta(days=settings.PANJEREH_PERMIT_START_DAYS)
    with translation.override("fa"):  # the permit is a Persian document, whatever the reader's page language
        return render(request, "permits/certificate.html", {
            "permit": permit, "app": app, "parcel": app.parcel, "issued_jalali": jalali(permit.issued_at),
            "city": settings.PANJEREH_CITY_NAME, "signed": signed, "start_by": jalali(valid_until),
            "signed_jalali": jalali(signed.decided_at) if signed and signed.decided_at else "",
            "orders": app.connection_orders.select_related("service"), "qr": qr_svg(verify_url),
            "verify_url": verify_url, "conditions": app.tasks.exclude(conditions="").select_related("agency")})


def permit_verify(request, code):
    """Public: anyone holding the printed permit can check it is genuine."""
    permit = Permit.objects.select_related("application__parcel").filter(verification_code=code).first()
    with translation.override("fa"):  # a Persian page, like the permit it verifies
        return render(request, "permits/verify.html", {"permit": permit, "issued_jalali": jalali(permit.issued_at)
                                                        if permit else ""}, status=200 if permit else 404)


@csrf_exempt  # the bank's page sends the payer here; the callback proves nothing until the PSP verifies
@require_http_methods(["GET", "POST"])
def gateway_return(request):
    """Where the bank's page sends the payer back. Settles only what the PSP's server verifies."""
    data = request.POST if request.method == "POST" else request.GET
    order_id, token = str(data.get("order_id", ""))[:64], str(data.get("token", ""))[:128]
    payment, status = None, 200
    try:
        outcome = services.complete_gateway_payment(order_id=order_id, token=token)
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
    except (services.Conflict, psp.GatewayError):
        message, status = "paid_unverified", 503
    app_id = payment.bill.application_id if payment else None
    file_url = None
    if app_id and permissions.visible_applications(request.user).filter(pk=app_id).exists():
        file_url = f"/files/{app_id}/"
    elif app_id:  # the applicant paying from home goes back to their own file page
        own = permissions.citizen_file_filter(request.session.get("citizen"))
        mine = Application.objects.filter(pk=app_id, **own).first() if own else None
        file_url = reverse("citizen-file", args=[mine.tracking_code]) if mine else None
    return render(request, "permits/gateway_done.html", {"payment": payment, "message_key": message,
                                                         "file_url": file_url}, status=status)
