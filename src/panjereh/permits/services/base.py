"""What every service of the single window shares: its errors, the outcome it returns, and telling the applicant (by
SMS, with the link to their file)."""

from dataclasses import dataclass

from django.conf import settings

from panjereh.core.errors import FieldError
from panjereh.sms import services as sms


class ApplicationError(FieldError):
    """Input the single window cannot take (``field`` and a translated sentence)."""


class WrongAgency(ApplicationError):
    """The acting agency asked to change what belongs to another agency (the API answers 403)."""


class Conflict(Exception):
    """The file is not in a state that allows this (already decided, nothing to pay …)."""


@dataclass
class Outcome:
    """What a call did: the object, and whether anything changed (False for a repeat)."""

    obj: object
    changed: bool

# Where each message's link lands: the applicant's own file page at the part that does what the message says
# (answer a question, pay the bill, bring documents, download the permit); sign-in first, then back there.
LINK_SECTIONS = {"info_requested": "questions", "bill_ready": "bills", "documents_returned": "documents",
                 "check_closed": "status",
                 "permit_issued": "permit", "refused": "tasks", "appeal_filed": "appeals",
                 "appeal_decided": "appeals", "complaint_filed": "complaints", "complaint_answered": "complaints",
                 "complaint_escalated": "complaints", "phase_nonconforming": "construction",
                 "inspection_failed": "construction"}


def track_url(app) -> str:
    """The public address where anyone with the code and mobile follows the file (the bill's QR code)."""
    return f"{settings.PANJEREH_PUBLIC_URL}/track/?code={app.tracking_code}"


def file_url(app, kind: str = "") -> str:
    """The applicant's own file page (sign-in by one-time code first), at the section ``kind`` of message is
    about: what an SMS links to (a message has no request to build the address from)."""
    section = LINK_SECTIONS.get(kind)
    return f"{settings.PANJEREH_PUBLIC_URL}/citizen/files/{app.tracking_code}/" + (f"?to={section}" if section else "")


def tell_applicant(app, kind: str, event_key: str, context: dict) -> None:
    """Write the applicant's text message of ``kind`` to the outbox, in the caller's transaction (once per
    ``event_key``); it carries the file's tracking code and the link to the page that acts on it."""
    sms.queue(kind=kind, mobile=app.applicant_mobile, event_key=event_key, subject=app.tracking_code,
              context={"code": app.tracking_code, "url": file_url(app, kind), **context})
