"""Signing a citizen in from home: a one-time code by SMS to the mobile they give, then the mobile checked
against their national ID through the identity inquiry. Every refusal names the field, in the citizen's
language; nothing is half-written (a wrong try is counted, nothing else changes)."""

import datetime
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from panjereh.citizens import identity
from panjereh.citizens.metrics import INQUIRIES
from panjereh.citizens.models import OneTimeCode
from panjereh.core import service_tx
from panjereh.core.errors import FieldError
from panjereh.core.identifiers import InvalidIdentifier, validate_mobile, validate_national_id
from panjereh.core.text import Localized, normalize_digits
from panjereh.permits import services as permits
from panjereh.sms import services as sms

VERIFIED, PENDING = "verified", "pending"


class CitizenError(FieldError):
    """A sign-in step refused (``field`` and a translated sentence)."""


@dataclass(frozen=True)
class Citizen:
    """A signed-in citizen: the national ID and mobile they proved, and whether the inquiry confirmed that the
    mobile is theirs (``verified``) or could not answer yet (``pending``)."""

    national_id: str
    mobile: str
    identity: str

    def as_session(self) -> dict:
        return {"national_id": self.national_id, "mobile": self.mobile, "identity": self.identity}


def _hash(national_id: str, mobile: str, code: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), f"{national_id}:{mobile}:{code}".encode(), hashlib.sha256).hexdigest()


def _identifiers(national_id: str, mobile: str) -> tuple[str, str]:
    try:
        national_id = validate_national_id(national_id)
    except InvalidIdentifier as exc:
        raise CitizenError("national_id", str(exc)) from None
    try:
        mobile = validate_mobile(mobile)
    except InvalidIdentifier as exc:
        raise CitizenError("mobile", str(exc)) from None
    return national_id, mobile


def request_code(*, national_id: str, mobile: str, ip: str | None) -> OneTimeCode:
    """Send a one-time code to ``mobile`` (through the SMS outbox, in this transaction); earlier unused codes of
    the number stop working. Refused past PANJEREH_OTP_PER_MOBILE codes for one number, or
    PANJEREH_OTP_PER_ADDRESS for one address, within their windows."""
    national_id, mobile = _identifiers(national_id, mobile)
    now = timezone.now()
    window = datetime.timedelta(minutes=settings.PANJEREH_OTP_WINDOW_MINUTES)
    with service_tx.atomic():
        if OneTimeCode.objects.filter(mobile=mobile, created_at__gte=now - window).count() \
                >= settings.PANJEREH_OTP_PER_MOBILE:
            raise CitizenError("mobile", _("Too many codes were asked for this number; try again in %(minutes)s "
                                           "minutes.") % Localized({"minutes": settings.PANJEREH_OTP_WINDOW_MINUTES}))
        if ip and OneTimeCode.objects.filter(ip=ip, created_at__gte=now - datetime.timedelta(hours=1)).count() \
                >= settings.PANJEREH_OTP_PER_ADDRESS:
            raise CitizenError("mobile", _("Too many codes were asked from this connection; try again in an hour."))
        OneTimeCode.objects.filter(mobile=mobile, used_at__isnull=True, expires_at__gt=now).update(expires_at=now)
        code = f"{secrets.randbelow(10 ** 6):06d}"
        minutes = settings.PANJEREH_OTP_VALID_MINUTES
        otp = OneTimeCode.objects.create(national_id=national_id, mobile=mobile, code_hash=_hash(national_id, mobile, code),
                                         ip=ip or None, expires_at=now + datetime.timedelta(minutes=minutes))
        sms.queue(kind="code", mobile=mobile, event_key=f"otp:{otp.pk}", context={"code": code, "minutes": minutes})
    return otp


def verify_code(*, otp_id: int | None, code: str) -> Citizen:
    """Check the code typed for the code sent (``otp_id``, kept in the sign-in session); then ask the identity
    inquiry whether the mobile is the national ID's. The code works once."""
    code = normalize_digits(code or "").strip()
    now = timezone.now()
    refusal = None
    with service_tx.atomic():
        otp = OneTimeCode.objects.select_for_update().filter(pk=otp_id).first() if otp_id else None
        if otp is None:
            refusal = _("Ask for a code first.")
        elif otp.used_at is not None:
            refusal = _("This code was already used; ask for a new one.")
        elif otp.expires_at <= now:
            refusal = _("The code has expired; ask for a new one.")
        elif otp.wrong_tries >= settings.PANJEREH_OTP_MAX_TRIES:
            refusal = _("Too many wrong codes; ask for a new one.")
        elif not hmac.compare_digest(otp.code_hash, _hash(otp.national_id, otp.mobile, code)):
            OneTimeCode.objects.filter(pk=otp.pk).update(wrong_tries=otp.wrong_tries + 1)
            refusal = _("The code is wrong.")
        else:
            OneTimeCode.objects.filter(pk=otp.pk).update(used_at=now)
    if refusal:
        raise CitizenError("code", refusal)
    return Citizen(otp.national_id, otp.mobile, check_identity(otp.national_id, otp.mobile))


def inquire(national_id: str, mobile: str) -> bool | None:
    """The inquiry's answer: True (the mobile is the national ID's), False (someone else's), None (no answer
    now, or no inquiry configured)."""
    checker = identity.checker()
    if checker is None:
        return None
    try:
        answer = checker.matches(national_id=national_id, mobile=mobile)
    except identity.IdentityUnavailable:
        INQUIRIES.labels(outcome="unavailable").inc()
        return None
    INQUIRIES.labels(outcome="match" if answer else "mismatch").inc()
    return answer


def check_identity(national_id: str, mobile: str) -> str:
    """``verified`` when the inquiry says the mobile is the national ID's, ``pending`` when it cannot answer
    now (or none is configured); refused when it says the mobile is someone else's."""
    answer = inquire(national_id, mobile)
    if answer is None:
        return PENDING
    if answer:
        return VERIFIED
    raise CitizenError("mobile", _("This mobile number is not registered to this national ID. Use a mobile "
                                   "registered in your own name."))


def accept_file(*, actor, application, office=None):
    """The document check accepts a file: for a file sent from home whose identity the inquiry had not
    confirmed, the inquiry is asked again first (its answer kept on the file); then the single window's rules
    (``permits.services.accept_documents``) decide."""
    if application.channel == "online" and not application.identity_verified:
        answer = inquire(application.applicant.national_id, application.applicant_mobile)
        if answer is not None:
            permits.record_identity(application=application, verified=answer)
            application.refresh_from_db()
    return permits.accept_documents(actor=actor, application=application, office=office)
