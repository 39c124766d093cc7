"""What a permit certificate shows — the printable page and the PDF alike — and the QR codes on papers."""

import datetime

import segno
from django.conf import settings
from django.urls import reverse

from panjereh.agencies.codes import MUNICIPALITY
from panjereh.agencies.queries import municipality_of
from panjereh.agencies.officials import signature_of, signing_official
from panjereh.core.calendar import jalali, local_date


def qr_svg(url: str) -> str:
    """A QR code for ``url`` as inline SVG (permits, bills)."""
    return segno.make(url, error="m").svg_inline(scale=4, dark="#000", light="#fff")


def certificate_context(permit, base_url: str | None = None) -> dict:
    """What the certificate shows (the page and the PDF alike); links and the QR code point at ``base_url``
    (the public address by default: a PDF has no request to take it from)."""
    base = (base_url or settings.PANJEREH_PUBLIC_URL).rstrip("/")
    verify_url = base + reverse("permit-verify", args=[permit.verification_code])
    app = permit.application
    # the municipality's review of the round that led to the permit: said on the paper when it was by silence
    review = app.tasks.filter(agency__kind=MUNICIPALITY, stage="initial", round=app.round).first()
    valid_until = local_date(permit.issued_at) + datetime.timedelta(days=settings.PANJEREH_PERMIT_START_DAYS)
    return {"permit": permit, "app": app, "parcel": app.parcel, "issued_jalali": jalali(permit.issued_at),
            "city": app.city.name_fa, "review": review, "start_by": jalali(valid_until),
            "signature": signature_of(permit.signed_by),
            "signed_jalali": jalali(permit.signed_at) if permit.signed_at else "",
            "orders": app.connection_orders.select_related("service"), "qr": qr_svg(verify_url),
            "verify_url": verify_url, "conditions": app.tasks.exclude(conditions="").select_related("agency")}


def _verify_url(base_url: str | None, kind: str, code: str) -> str:
    return (base_url or settings.PANJEREH_PUBLIC_URL).rstrip("/") + reverse("paper-verify", args=[kind, code])


def bill_context(bill, base_url: str | None = None) -> dict:
    """What a bill's paper shows: who pays whom for what, the total, and where to verify it."""
    verify_url = _verify_url(base_url, "bill", bill.verification_code or "")
    app = bill.application
    # the one bill is the single window's: the file's city's municipality's (street works: the home city's)
    official = signing_official(municipality_of(app.city_id).code if app else MUNICIPALITY)
    return {"bill": bill, "app": app, "lines": bill.lines.select_related("agency"),
            "city": app.city.name_fa if app else settings.PANJEREH_CITY_NAME,
            "signature": signature_of(official.user) if official else None,
            "issued_jalali": jalali(bill.created_at), "qr": qr_svg(verify_url), "verify_url": verify_url,
            "payer_name": app.applicant_name if app else bill.payer.name_fa}


def completion_context(certificate, base_url: str | None = None) -> dict:
    """What a completion certificate's paper shows."""
    verify_url = _verify_url(base_url, "completion", certificate.verification_code or "")
    app = certificate.application
    permit = getattr(app, "permit", None)
    return {"certificate": certificate, "app": app, "parcel": app.parcel, "permit": permit,
            "city": settings.PANJEREH_CITY_NAME, "issued_jalali": jalali(certificate.issued_at),
            "signature": signature_of(certificate.issued_by), "qr": qr_svg(verify_url), "verify_url": verify_url}
