"""Pages of the single window: the printable permit with its QR verification link, the public
verification page, and the bank-gateway simulator used in demos and tests."""

import segno
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from panjereh.core import permissions
from panjereh.core.calendar import jalali
from panjereh.permits import payments, services
from panjereh.permits.models import Payment, Permit


def qr_svg(url: str) -> str:
    """A QR code for ``url`` as inline SVG (permits, bills)."""
    return segno.make(url, error="m").svg_inline(scale=4, dark="#000", light="#fff")


@login_required
def permit_certificate(request, number):
    """The printable permit (A4, right to left), for staff who can see the file."""
    permit = get_object_or_404(Permit.objects.select_related("application__parcel", "application__applicant"),
                               number=number)
    if not permissions.visible_applications(request.user).filter(pk=permit.application_id).exists():
        raise Http404("no such permit")
    verify_url = request.build_absolute_uri(reverse("permit-verify", args=[permit.verification_code]))
    app = permit.application
    return render(request, "permits/certificate.html", {
        "permit": permit, "app": app, "parcel": app.parcel, "issued_jalali": jalali(permit.issued_at),
        "orders": app.connection_orders.select_related("service"), "qr": qr_svg(verify_url),
        "verify_url": verify_url, "conditions": app.tasks.exclude(conditions="").select_related("agency")})


def permit_verify(request, code):
    """Public: anyone holding the printed permit can check it is genuine."""
    permit = Permit.objects.select_related("application__parcel").filter(verification_code=code).first()
    return render(request, "permits/verify.html", {"permit": permit, "issued_jalali": jalali(permit.issued_at)
                                                    if permit else ""}, status=200 if permit else 404)


@require_http_methods(["GET", "POST"])
def gateway_simulator(request, reference):
    """A stand-in for the bank's payment page: 'pay' sends the signed callback as the bank would."""
    payment = get_object_or_404(Payment, provider=payments.GATEWAY, reference=reference)
    if request.method == "POST":
        body, signature = payments.simulated_callback(payment.reference, payment.amount,
                                                      "ok" if "pay" in request.POST else "cancelled")
        try:
            outcome = services.settle_gateway_callback(body=body, signature=signature)
            message = "پرداخت انجام شد / paid" if outcome.changed else "قبلاً پرداخت شده / already paid"
        except (services.ApplicationError, services.Conflict) as exc:
            message = str(exc)
        # The bank sends the customer back to the single window; the file page asks for sign-in as usual.
        return render(request, "permits/gateway_done.html", {"payment": payment, "message": message})
    return render(request, "permits/gateway.html", {"payment": payment})

