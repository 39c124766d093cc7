"""Every state change of the single window, as plain functions in one transaction each.

Each writes its audit record and its outbox events in the same transaction
(``core.audit``). Concurrency is the database's job: rows are locked with
``select_for_update`` and state moves with conditional updates, so two
reviewers deciding at once cannot both win and a payment counted twice is not.
"""

import datetime
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from panjereh.agencies import fees
from panjereh.agencies.models import Agency, RefusalReason, Service
from panjereh.agencies.officials import signing_official
from panjereh.citymap.services import feasibility
from panjereh.core import audit, service_tx
from panjereh.core.calendar import (add_working_days, day_bounds, jalali_year, last_start_beyond, local_date,
                                    working_days_between)
from panjereh.core.errors import FieldError
from panjereh.core.text import Localized, normalize_text
from panjereh.core import uploads
from panjereh.permits import locks, payments, pdf, psp, rules
from panjereh.permits.models import (Applicant, Application, Bill, BillLine, CompletionCertificate, ConnectionOrder,
                                     Document, DocumentWaiver, FileDocument, InfoRequest, LedgerEntry, Payment, Permit, PermitCounter,
                                     ReviewTask, ServiceRequest, TariffChange, TariffClass)
from panjereh.sms import services as sms

DECISIONS = {"approve": ReviewTask.Status.APPROVED, "approve_with_conditions": ReviewTask.Status.CONDITIONAL,
             "request_info": ReviewTask.Status.INFO_REQUESTED, "reject": ReviewTask.Status.REJECTED}
TRACKING_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read out over the phone


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


# --- apply ------------------------------------------------------------------------------------

def _tracking_code() -> str:
    return "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(10))


def _due(agency: Agency, now) -> datetime.date:
    return add_working_days(local_date(now), agency.review_days)


def submit_application(*, actor, parcel, applicant: dict, permit: dict, services: dict[str, dict],
                       office=None, channel: str = "counter", identity_verified: bool | None = None,
                       hold_for_check: bool = False) -> Application:
    """Open a file: check the map and the zoning, then give every agency concerned its task at once.

    ``applicant``: kind, national_id, name, mobile (already validated);
    ``permit``: permit_type, land_use, floors, units, gross_floor_area, parking_spaces;
    ``services``: {service code: {"timing": now|later|not_needed, "size": {...}}} for every service.
    A file sent from home (``channel="online"``) with ``hold_for_check`` waits for the document check
    (:func:`accept_documents`) before any agency receives it.
    """
    known = {s.code: s for s in Service.objects.select_related("agency")}
    unknown = set(services) - set(known)
    if unknown:
        raise ApplicationError("services", _("Unknown services: %(codes)s.")
            % Localized({"codes": "، ".join(sorted(unknown))}))
    missing = set(known) - set(services)
    if missing:
        raise ApplicationError("services", _("Say now, later or not needed for each of: %(codes)s.")
                               % Localized({"codes": "، ".join(sorted(missing))}))
    # Fees are configuration: compute them now so that a size no schedule knows is refused at the counter.
    water_size = services.get("water", {}).get("size") or None
    for code, choice in services.items():
        if choice["timing"] != "not_needed":
            try:
                fees.service_fee(code, land_use=permit["land_use"], units=permit["units"], size=choice.get("size", {}),
                                 water_size=water_size)
            except fees.FeeError as exc:
                raise ApplicationError(f"services.{exc.field}", str(exc)) from exc
    now = timezone.now()
    with service_tx.atomic():
        if channel == Application.Channel.ONLINE:
            _limit_open_files_from_home(applicant["national_id"])
        _refuse_second_open_file(parcel.pk, permit["permit_type"],
                                 asked_by_national_id=applicant["national_id"] if channel == "online" else None)
        # The person is found by national ID and never rewritten; this file keeps what was given on it.
        try:
            with transaction.atomic():
                person, _created = Applicant.objects.get_or_create(national_id=applicant["national_id"], defaults={
                    "kind": applicant["kind"], "name": applicant["name"], "mobile": applicant["mobile"]})
        except IntegrityError:  # the same person applying at two counters at once
            person = Applicant.objects.get(national_id=applicant["national_id"])
        wanted = [known[c] for c, choice in services.items() if choice["timing"] != "not_needed"]
        app = Application.objects.create(
            tracking_code=_tracking_code(), parcel=parcel, applicant=person, office=office,
            applicant_kind=applicant["kind"], applicant_name=applicant["name"], applicant_mobile=applicant["mobile"],
            created_by=audit.user_or_none(actor),
            permit_type=permit["permit_type"], land_use=permit["land_use"], floors=permit["floors"],
            units=permit["units"], gross_floor_area=permit["gross_floor_area"],
            parking_spaces=permit.get("parking_spaces", 0), address=permit.get("address", ""),
            designer_name=permit.get("designer_name", ""), designer_membership=permit.get("designer_membership", ""),
            supervisor_name=permit.get("supervisor_name", ""),
            supervisor_membership=permit.get("supervisor_membership", ""),
            documents=sorted(set(permit.get("documents", []))), channel=channel,
            identity_verified=identity_verified,
            status=Application.Status.AWAITING_CHECK if hold_for_check else Application.Status.UNDER_REVIEW,
            feasibility=feasibility(parcel, services=sorted(wanted, key=lambda s: s.code),
                                    sizes={c: choice.get("size") or {} for c, choice in services.items()}),
            planning_problems=rules.planning_problems(parcel, land_use=permit["land_use"], floors=permit["floors"],
                                                      gross_floor_area=permit["gross_floor_area"]))
        for code, choice in sorted(services.items()):
            ServiceRequest.objects.create(application=app, service=known[code], timing=choice["timing"],
                                          size=choice.get("size", {}))
        _seen_originals(actor, app, app.documents)  # the originals the counter saw, with who and when
        agencies = [] if hold_for_check else _open_round(app, now)
        audit.record(actor=actor, action="application.submit", obj=app,
                     data={"tracking_code": app.tracking_code, "agencies": sorted(a.code for a in agencies)})
        audit.emit(event_type="application.submitted", agency_code="municipality", parcel_id=parcel.pk,
                   payload={"application": app.tracking_code})
        tell_applicant(app, "opened", f"opened:{app.tracking_code}", {"city": settings.PANJEREH_CITY_NAME})
    return app


# Where each message's link lands: the applicant's own file page at the part that does what the message says
# (answer a question, pay the bill, bring documents, download the permit); sign-in first, then back there.
LINK_SECTIONS = {"info_requested": "questions", "bill_ready": "bills", "documents_returned": "documents",
                 "check_closed": "status",
                 "permit_issued": "permit", "refused": "tasks"}


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


def add_document(*, actor, application, kind: str, upload, by_applicant: bool = False,
                 answer_to=None, source: str = "") -> FileDocument:
    """Keep a document of the file: checked by its content (PDF, JPEG, PNG; not encrypted; within the size
    limit) and stored as a new object; the same kind again is its next version. Nothing is kept on refusal."""
    _check_document_room(application, kind)  # before storing: a refused upload leaves nothing behind
    stored = _store_document(application, kind, upload)
    try:
        with service_tx.atomic():
            locks.application(application.pk)
            _check_document_room(application, kind)  # again under the lock: two uploads at once
            return _document_row(actor, application, kind, upload, stored, by_applicant, answer_to, source)
    except (ApplicationError, Conflict):
        default_storage.delete(stored.name)
        raise


def _check_document_room(application, kind: str) -> None:
    """A file holds at most PANJEREH_DOCUMENT_VERSIONS versions of one kind and PANJEREH_DOCUMENTS_PER_FILE
    documents in all; older versions are kept, and counted (40 uploads of one deed are not a file, they are
    an attack on the storage and on the reviewers' patience)."""
    per_kind = settings.PANJEREH_DOCUMENT_VERSIONS
    per_file = settings.PANJEREH_DOCUMENTS_PER_FILE
    held = FileDocument.objects.filter(application=application)
    if held.filter(kind=kind).count() >= per_kind:
        raise Conflict(_("This file already holds %(count)s versions of «%(kind)s», the most kept for one kind; "
                         "ask the counter office if another is needed.")
                       % Localized({"count": per_kind, "kind": str(Document(kind).label)}))
    if held.count() >= per_file:
        raise Conflict(_("This file already holds %(count)s documents, the most kept for one file; ask the "
                         "counter office if another is needed.") % Localized({"count": per_file}))


def _store_document(application, kind: str, upload) -> uploads.StoredFile:
    """Check an upload and store it (before any row is written: a refused file leaves nothing behind)."""
    if kind not in Document.values:
        raise ApplicationError("kind", _("Unknown document «%(kind)s».") % Localized({"kind": kind}))
    if application.status in Application.CLOSED:
        raise Conflict(_("File %(code)s is closed: nothing more is added to it.")
                       % Localized({"code": application.tracking_code}))
    try:
        return uploads.store(upload, prefix=f"files/{application.tracking_code}", field="document")
    except uploads.UploadError as exc:
        raise ApplicationError(exc.field, str(exc)) from None


def _document_row(actor, application, kind, upload, stored, by_applicant, answer_to, source="") -> FileDocument:
    """The stored upload as the kind's next version (the caller holds the file's lock)."""
    last = FileDocument.objects.filter(application=application, kind=kind).order_by("-version").first()
    source = source or (FileDocument.Source.CITIZEN if by_applicant else FileDocument.Source.COUNTER)
    document = FileDocument.objects.create(source=source,
        application=application, kind=kind, version=(last.version + 1) if last else 1, file=stored.name,
        original_name=str(getattr(upload, "name", ""))[:200], content_type=stored.content_type, size=stored.size,
        sha256=stored.sha256, uploaded_by=audit.user_or_none(actor),
        by_applicant=by_applicant, answer_to=answer_to)
    audit.record(actor=actor, action="document.add", obj=application,
                 data={"kind": kind, "version": document.version, "sha256": stored.sha256,
                       "by_applicant": by_applicant})
    return document


def missing_documents(application) -> list[str]:
    """The required document codes of the file's permit type that are neither uploaded, nor seen at the
    counter, nor excused by the signing official."""
    have = set(FileDocument.objects.filter(application=application).values_list("kind", flat=True))
    have |= set(DocumentWaiver.objects.filter(application=application).values_list("kind", flat=True))
    return [k for k in rules.required_documents(application.permit_type) if k not in have]


def _seen_originals(actor, application, kinds) -> list[FileDocument]:
    """Record originals the counter saw (no file kept; who and when), one row per kind the file does not hold
    yet, in the caller's transaction (which holds the file's lock or has just made the file)."""
    have = set(FileDocument.objects.filter(application=application).values_list("kind", flat=True))
    made = []
    for kind in sorted(set(kinds) - have):
        _check_document_room(application, kind)
        made.append(FileDocument.objects.create(
            application=application, kind=kind, version=1, source=FileDocument.Source.SEEN,
            uploaded_by=audit.user_or_none(actor)))
    return made


def record_documents_seen(*, actor, application, kinds) -> list[FileDocument]:
    """The counter saw these originals (paper): each becomes a document of the file, with who saw it and when.
    A kind already seen or uploaded is not recorded again."""
    kinds = sorted(set(kinds))
    unknown = [k for k in kinds if k not in Document.values]
    if unknown:
        raise ApplicationError("documents", _("Unknown document «%(kind)s».") % Localized({"kind": unknown[0]}))
    with service_tx.atomic():
        locks.application(application.pk)
        made = _seen_originals(actor, application, kinds)
        if made:
            audit.record(actor=actor, action="document.seen", obj=application,
                         data={"kinds": [d.kind for d in made]})
    return made


def waive_document(*, actor, application, kind: str, reason: str) -> DocumentWaiver:
    """The signing official lets the file go without a required document, saying why (recorded, audited,
    shown on the file and never deleted)."""
    reason = normalize_text(reason or "")
    if kind not in rules.required_documents(application.permit_type):
        raise ApplicationError("kind", _("«%(kind)s» is not a required document of this file.")
                               % Localized({"kind": kind}))
    if not reason:
        raise ApplicationError("reason", _("Write why the file may go without this document."))
    with service_tx.atomic():
        locks.application(application.pk)
        waiver, made = DocumentWaiver.objects.get_or_create(
            application=application, kind=kind,
            defaults={"reason": reason, "granted_by": audit.user_or_none(actor)})
        if made:
            audit.record(actor=actor, action="document.waive", obj=application, data={"kind": kind, "reason": reason})
    return waiver


def accept_documents(*, actor, application, office=None) -> Application:
    """The document check passed: the file goes to every agency concerned at once (its clock starts now);
    a counter office that checked it holds it from then on (``office``). Refused while a required document is
    missing or the applicant's identity is not confirmed."""
    with service_tx.atomic():
        app = locks.application(application.pk)
        if app.status != Application.Status.AWAITING_CHECK:
            raise Conflict(_("File %(code)s is not waiting for a document check.")
                           % Localized({"code": app.tracking_code}))
        missing = missing_documents(app)
        if missing:
            raise ApplicationError("documents", _("Documents still missing: %(names)s.")
                                   % Localized({"names": "، ".join(str(Document(k).label) for k in missing)}))
        if app.channel == Application.Channel.ONLINE and not app.identity_verified:
            raise Conflict(_("The applicant's mobile is not yet confirmed as theirs by the identity inquiry."))
        now = timezone.now()
        Application.objects.filter(pk=app.pk).update(status=Application.Status.UNDER_REVIEW, check_note="",
                                                     office=office or app.office)
        app.status = Application.Status.UNDER_REVIEW
        agencies = _open_round(app, now)
        audit.record(actor=actor, action="documents.accept", obj=app,
                     data={"agencies": sorted(a.code for a in agencies)})
    return app


def return_for_documents(*, actor, application, note: str) -> Application:
    """The document check found something to put right: the applicant is told what (by SMS and on the file
    page); the file keeps waiting for the check."""
    note = (note or "").strip()
    if not note:
        raise ApplicationError("note", _("Write what the applicant must bring or correct."))
    with service_tx.atomic():
        app = locks.application(application.pk)
        if app.status != Application.Status.AWAITING_CHECK:
            raise Conflict(_("File %(code)s is not waiting for a document check.")
                           % Localized({"code": app.tracking_code}))
        Application.objects.filter(pk=app.pk).update(check_note=note)
        app.check_note = note
        audit.record(actor=actor, action="documents.return", obj=app, data={"note": note})
        tell_applicant(app, "documents_returned", f"returned:{app.pk}:{secrets.token_hex(4)}", {})
    return app


def record_identity(*, application, verified: bool) -> None:
    """Keep the identity inquiry's answer for an online file (asked again while it had not answered)."""
    Application.objects.filter(pk=application.pk).update(identity_verified=verified)
    audit.record(actor=None, action="identity.checked", obj=application, data={"verified": verified})


def _limit_open_files_from_home(national_id: str) -> None:
    """A person opens at most PANJEREH_CITIZEN_OPEN_FILES files from home while none of them is decided: one
    signed-in citizen must not be able to hold every parcel of a street with files nobody will ever check."""
    limit = settings.PANJEREH_CITIZEN_OPEN_FILES
    locks.applicant(national_id)  # two tabs at once
    waiting = Application.objects.filter(applicant__national_id=national_id, channel=Application.Channel.ONLINE,
                                         status=Application.Status.AWAITING_CHECK).count()
    if waiting >= limit:
        raise ApplicationError("parcel", _("You already have %(count)s files from home waiting for the document "
                                           "check; once they are checked you may open another.")
                               % Localized({"count": waiting}))


def close_unchecked(*, actor, application, outcome: str, reason_number, note: str = "") -> Application:
    """Staff close a file waiting for the document check, citing one of the municipality's numbered reasons:
    ``refuse`` (the file is not acceptable) or ``withdraw`` (the applicant asked, or it holds a parcel that is
    not theirs). The parcel is free again; the applicant is told by SMS."""
    if outcome not in {"refuse", "withdraw"}:
        raise ApplicationError("outcome", _("Choose to refuse or to withdraw the file."))
    reason = RefusalReason.objects.filter(agency__code="municipality", number=reason_number, active=True).first() \
        if str(reason_number or "").isdigit() else None
    if reason is None:
        raise ApplicationError("reason", _("Choose one of the municipality's numbered reasons."))
    with service_tx.atomic():
        app = locks.application(application.pk)
        if app.status != Application.Status.AWAITING_CHECK:
            raise Conflict(_("File %(code)s is not waiting for a document check.")
                           % Localized({"code": app.tracking_code}))
        status = Application.Status.REJECTED if outcome == "refuse" else Application.Status.WITHDRAWN
        text = f"{reason.number}. {reason.text_fa}" + (f" — {normalize_text(note)}" if note.strip() else "")
        Application.objects.filter(pk=app.pk).update(status=status, check_note=text)
        app.status, app.check_note = status, text
        audit.record(actor=actor, action=f"documents.{outcome}", obj=app,
                     data={"reason": reason.number, "note": note[:500]})
        tell_applicant(app, "check_closed", f"check-closed:{app.pk}",
                       {"reason": reason.number, "text": reason.text_fa})
    return app


def expire_unchecked(*, now=None) -> int:
    """Files from home left waiting for the document check longer than PANJEREH_CHECK_EXPIRY_DAYS working
    days are withdrawn (the parcel is free again) and the applicant told; run with the other deadlines."""
    now = now or timezone.now()
    cutoff = last_start_beyond(local_date(now), settings.PANJEREH_CHECK_EXPIRY_DAYS)
    after = day_bounds(cutoff, cutoff)[1]
    expired = 0
    for app_id in list(Application.objects.filter(status=Application.Status.AWAITING_CHECK,
                                                  submitted_at__lt=after).values_list("pk", flat=True)):
        with service_tx.atomic():
            app = locks.application(app_id)
            if app.status != Application.Status.AWAITING_CHECK:
                continue
            Application.objects.filter(pk=app.pk).update(status=Application.Status.WITHDRAWN,
                                                         check_note=str(_("Expired: not checked in time.")))
            audit.record(actor=None, action="documents.expired", obj=app,
                         data={"working_days": settings.PANJEREH_CHECK_EXPIRY_DAYS})
            tell_applicant(app, "check_expired", f"check-expired:{app.pk}", {})
            expired += 1
    return expired


def _refuse_second_open_file(parcel_id: int, permit_type: str, this=None, asked_by_national_id: str | None = None) -> None:
    """One open file per parcel and permit type: a second one is refused, naming the first to staff. A citizen
    applying from home (``asked_by_national_id``) learns the first file's code and status only if it is their
    own: someone else's file on the parcel is said to exist, and where to ask. The parcel's row is locked
    first, so two counters cannot both open one (the caller's transaction)."""
    locks.parcel(parcel_id)
    others = Application.objects.filter(parcel_id=parcel_id, permit_type=permit_type) \
        .exclude(status__in=Application.CLOSED)
    if this is not None:
        others = others.exclude(pk=this.pk)
    open_file = others.select_related("applicant").first()
    if open_file is not None and asked_by_national_id is not None \
            and open_file.applicant.national_id != asked_by_national_id:
        raise ApplicationError("parcel", _("This parcel already has an open file of this permit type. Ask at the "
                                           "municipality or a counter office of the single window."))
    if open_file is not None:
        raise ApplicationError("parcel", _("This parcel already has an open file of this permit type: "
                                           "%(code)s (%(status)s); finish or withdraw it first.")
                              % Localized({"code": open_file.tracking_code, "status": open_file.get_status_display()}))


def _open_round(app: Application, now) -> list[Agency]:
    """Give every agency concerned its task of the file's current round, at once; returns those agencies."""
    agencies = {Agency.objects.get(code="municipality")}
    agencies |= {sr.service.agency for sr in app.service_requests.select_related("service__agency")
                 if sr.timing == ServiceRequest.Timing.NOW and not sr.activated_at}
    agencies |= set(Agency.objects.filter(review_min_floors__isnull=False, review_min_floors__lte=app.floors))
    ordered = sorted(agencies, key=lambda a: a.code)
    for agency in ordered:
        task = ReviewTask.objects.create(application=app, agency=agency, round=app.round, due_date=_due(agency, now))
        audit.emit(event_type="review.requested", agency_code=agency.code, parcel_id=app.parcel_id,
                   payload={"application": app.tracking_code, "due_date": task.due_date.isoformat(),
                            "round": app.round})
    return ordered


def resubmit_application(*, actor, application, permit: dict | None = None, note: str = "") -> Application:
    """The applicant amends a refused file and submits it again, on the same file number: the map and the
    zoning are checked anew and every agency concerned reviews the amended file in a new round, with the
    earlier rounds' decisions kept beside it. ``permit`` holds the amended request (as at submission)."""
    with service_tx.atomic():
        app = locks.application(application.pk)
        if app.status != Application.Status.REJECTED:
            raise Conflict(_("File %(code)s is %(status)s: only a refused file is amended and resubmitted.")
                           % Localized({"code": app.tracking_code, "status": app.get_status_display()}))
        changes = dict(permit or {})
        _refuse_second_open_file(app.parcel_id, changes.get("permit_type", app.permit_type), this=app)
        for field in ("permit_type", "land_use", "floors", "units", "gross_floor_area", "parking_spaces", "address",
                      "designer_name", "designer_membership", "supervisor_name", "supervisor_membership",
                      "documents"):
            if field in changes:
                setattr(app, field, changes[field])
        requested = [sr for sr in app.service_requests.select_related("service__agency")
                     if sr.timing == ServiceRequest.Timing.NOW]
        app.feasibility = feasibility(app.parcel, services=sorted((sr.service for sr in requested),
                                                                  key=lambda s: s.code),
                                      sizes={sr.service.code: sr.size or {} for sr in requested})
        app.planning_problems = rules.planning_problems(app.parcel, land_use=app.land_use, floors=app.floors,
                                                        gross_floor_area=app.gross_floor_area)
        app.round += 1
        app.status = Application.Status.UNDER_REVIEW
        app.save()
        _seen_originals(actor, app, changes.get("documents") or [])  # originals newly seen at the counter
        now = timezone.now()
        agencies = _open_round(app, now)
        audit.record(actor=actor, action="application.resubmit", obj=app,
                     data={"round": app.round, "changes": {k: v for k, v in changes.items()}, "note": note[:500],
                           "agencies": [a.code for a in agencies]})
        audit.emit(event_type="application.resubmitted", agency_code="municipality", parcel_id=app.parcel_id,
                   payload={"application": app.tracking_code, "round": app.round})
    return app


# --- decide -----------------------------------------------------------------------------------

def _current_task(application, agency_code: str) -> ReviewTask:
    # FOR UPDATE OF the task only: the join to the agency would lock the agency's row too, serialising every
    # decision of that agency and deadlocking with the foreign-key checks of other files' writes (seen under
    # the load test on PostgreSQL: bench/load)
    tasks = locks.tasks(application.pk, agency__code=agency_code)
    task = tasks.filter(status__in=ReviewTask.OPEN).order_by("id").first() or tasks.order_by("-id").first()
    if task is None:
        raise Conflict(_("Agency %(agency)s has no review task on file %(code)s.")
                       % Localized({"agency": agency_code, "code": application.tracking_code}))
    return task


def check_decision(*, agency_code: str, decision: str, conditions: str = "", info_request: str = "",
                   reason_number: int | None = None) -> RefusalReason | None:
    """The rules a decision must meet before anything is written (the decide page checks them before it shows
    the summary to confirm, so that a confirmed decision cannot then fail on them): a known decision, a refusal's
    published reason, an approval's conditions, a question's text. Raises ApplicationError naming the field."""
    if decision not in DECISIONS:
        raise ApplicationError("decision", _("The decision must be one of %(known)s.")
            % Localized({"known": "، ".join(DECISIONS)}))
    reason = None
    if decision == "reject":
        if reason_number is None:
            raise ApplicationError("reason", _("A refusal must cite one of the agency's numbered, published reasons."))
        reason = RefusalReason.objects.filter(agency__code=agency_code, number=reason_number, active=True).first()
        if reason is None:
            raise ApplicationError("reason", _("Agency %(agency)s has no published reason number %(number)s.")
                                   % Localized({"agency": agency_code, "number": reason_number}))
    if decision == "approve_with_conditions" and not conditions.strip():
        raise ApplicationError("conditions", _("Write the conditions of the approval."))
    if decision == "request_info" and not info_request.strip():
        raise ApplicationError("info_request", _("Write what information is needed from the applicant."))
    return reason


def record_decision(*, actor, application, agency_code: str, decision: str, conditions: str = "",
                    info_request: str = "", reason_number: int | None = None, via: str = "") -> Outcome:
    """An agency decides its task. The same decision sent twice changes nothing the second time."""
    status = DECISIONS.get(decision)
    reason = check_decision(agency_code=agency_code, decision=decision, conditions=conditions,
                            info_request=info_request, reason_number=reason_number)
    with service_tx.atomic():
        locks.application(application.pk)
        task = _current_task(application, agency_code)
        same = (task.status == status and task.reason_id == (reason.pk if reason else None)
                and task.conditions == conditions.strip() and task.info_request == info_request.strip())
        if same:
            return Outcome(task, False)
        if task.status not in ReviewTask.OPEN:
            raise Conflict(_("Agency %(agency)s already decided this file: %(status)s.")
                           % Localized({"agency": agency_code, "status": task.get_status_display()}))
        now = timezone.now()
        updated = ReviewTask.objects.filter(pk=task.pk, status__in=ReviewTask.OPEN).update(
            status=status, decided_at=now, decided_by=audit.user_or_none(actor),
            conditions=conditions.strip(), info_request=info_request.strip(), reason=reason)
        if updated != 1:  # somebody else decided between our read and our write
            raise Conflict(_("Agency %(agency)s already decided this file.") % Localized({"agency": agency_code}))
        task.refresh_from_db()
        _track_question(task, actor, now, asking=decision == "request_info")
        if decision == "request_info":
            asked = InfoRequest.objects.filter(task=task, answered_at__isnull=True).values_list("pk", flat=True).first()
            tell_applicant(application, "info_requested", f"info:{asked}", {"agency": task.agency.name_fa})
        audit.record(actor=actor, action="review.decide", obj=task,
                     data={"decision": decision, "reason": reason_number, "stage": task.stage, "via": via})
        audit.emit(event_type="review.decided", agency_code=agency_code, parcel_id=application.parcel_id,
                   payload={"application": application.tracking_code, "decision": status, "stage": task.stage})
        _advance(application, actor)
    return Outcome(task, True)


def _track_question(task: ReviewTask, actor, now, *, asking: bool) -> None:
    """Keep the open question in step with a decision: asking opens (or rewords) it and stops the clock;
    deciding while the applicant has not answered closes it unanswered, with the waiting counted."""
    open_question = locks.open_question(task.pk)
    user = audit.user_or_none(actor)
    if asking:
        if open_question:
            InfoRequest.objects.filter(pk=open_question.pk).update(question=task.info_request)
        else:
            InfoRequest.objects.create(task=task, question=task.info_request, asked_at=now, asked_by=user)
    elif open_question:
        InfoRequest.objects.filter(pk=open_question.pk).update(
            answered_at=now, waited_working_days=working_days_between(local_date(open_question.asked_at),
                                                                      local_date(now)))


def answer_info_request(*, actor, application, agency_code: str, answer: str, document=None,
                        document_kind: str = "") -> Outcome:
    """Record the applicant's answer to an agency's question (at the counter, or from home with
    ``actor=None``), with a document when the question asked for one: the agency's task is open again and its
    deadline moves on by the working days the file waited on the applicant. A refused document records no
    answer."""
    answer = (answer or "").strip()
    if not answer:
        raise ApplicationError("answer", _("Write the applicant's answer."))
    document_kind = document_kind or Document.OTHER  # an attachment is an attachment, not a deed's next version
    if document is not None:
        _check_document_room(application, document_kind)
    stored = _store_document(application, document_kind, document) if document is not None else None
    with service_tx.atomic():
        locks.application(application.pk)
        task = _current_task(application, agency_code)
        question = locks.open_question(task.pk)
        if task.status != ReviewTask.Status.INFO_REQUESTED or question is None:
            raise Conflict(_("Agency %(agency)s is not waiting for information on file %(code)s.")
                           % Localized({"agency": agency_code, "code": application.tracking_code}))
        now = timezone.now()
        waited = working_days_between(local_date(question.asked_at), local_date(now))
        due = add_working_days(task.due_date, waited) if waited else task.due_date
        if ReviewTask.objects.filter(pk=task.pk, status=ReviewTask.Status.INFO_REQUESTED).update(
                status=ReviewTask.Status.PENDING, due_date=due, overdue_at=None) != 1:
            raise Conflict(_("Agency %(agency)s decided meanwhile.") % Localized({"agency": agency_code}))
        InfoRequest.objects.filter(pk=question.pk).update(
            answer=answer, answered_at=now, waited_working_days=waited,
            answered_by=audit.user_or_none(actor))
        question.refresh_from_db()
        if stored is not None:
            _document_row(actor, application, document_kind, document, stored, actor is None, question)
        audit.record(actor=actor, action="review.info_answered", obj=task,
                     data={"waited_working_days": waited, "due_date": due.isoformat()})
        audit.emit(event_type="review.info_answered", agency_code=agency_code, parcel_id=application.parcel_id,
                   payload={"application": application.tracking_code, "due_date": due.isoformat(),
                            "waited_working_days": waited})
    return Outcome(question, True)


def _withdraw_open_tasks(app, refused: ReviewTask) -> None:
    """A refusal ends the round: every other agency's open task leaves its inbox, saying why."""
    note = f"{refused.agency.name_fa} / {refused.agency.name_en}: #{refused.reason.number if refused.reason else ''}"
    for task in app.tasks.filter(status__in=ReviewTask.OPEN).exclude(pk=refused.pk).select_related("agency"):
        if ReviewTask.objects.filter(pk=task.pk, status__in=ReviewTask.OPEN).update(
                status=ReviewTask.Status.WITHDRAWN, withdrawn_note=note[:300]) == 1:
            InfoRequest.objects.filter(task=task, answered_at__isnull=True).update(answered_at=timezone.now())
            audit.emit(event_type="review.withdrawn", agency_code=task.agency.code, parcel_id=app.parcel_id,
                       payload={"application": app.tracking_code, "refused_by": refused.agency.code,
                                "reason": refused.reason.number if refused.reason else None})


def _advance(application, actor) -> None:
    """Move the file on after a decision or a payment: reject, bill, issue, or order a later service."""
    app = Application.objects.get(pk=application.pk)
    initial = list(app.tasks.filter(stage="initial", round=app.round))
    if app.status == Application.Status.UNDER_REVIEW:
        refused = next((t for t in initial if t.status == ReviewTask.Status.REJECTED), None)
        if refused is not None:
            Application.objects.filter(pk=app.pk).update(status=Application.Status.REJECTED)
            _withdraw_open_tasks(app, refused)
            audit.emit(event_type="application.rejected", agency_code="municipality", parcel_id=app.parcel_id,
                       payload={"application": app.tracking_code})
            reason = refused.reason
            tell_applicant(app, "refused", f"refused:{app.tracking_code}:{app.round}", {
                "agency": refused.agency.name_fa, "reason": reason.number if reason else "—",
                "text": reason.text_fa if reason else ""})
            return
        if all(t.status in ReviewTask.POSITIVE for t in initial):
            _create_bill(app, "initial")
            Application.objects.filter(pk=app.pk).update(status=Application.Status.AWAITING_PAYMENT)
            app.status = Application.Status.AWAITING_PAYMENT
    if app.status == Application.Status.AWAITING_PAYMENT:
        bill = app.bills.filter(stage="initial").first()
        if bill and bill.is_settled and all(t.status in ReviewTask.POSITIVE for t in initial):
            _issue_permit(app, actor)
    for task in app.tasks.exclude(stage="initial"):
        code = task.stage.split(":", 1)[1]
        if task.status in ReviewTask.POSITIVE:
            bill = _create_bill(app, task.stage, only=code)
            if bill.is_settled and not app.connection_orders.filter(service__code=code).exists():
                _order(app, Service.objects.select_related("agency").get(code=code))


def fee_lines(*, parcel, land_use: str, units: int, floor_area: float, parking: int, requests, only=None) -> list:
    """The lines of a bill: (agency, code, Persian and English description, integer rials).

    ``requests``: (service, timing, size) of each service. With ``only`` None: the permit fee and every 'now'
    service; else that one service. Used for the bill and, before a file exists, for the counter's estimate.
    """
    lines = []
    if only is None:
        schedule = fees.schedule("permit")
        amount = fees.municipal_permit(schedule.params, land_use=land_use, floor_area=floor_area, units=units,
                                       parking=parking, parcel_area=parcel.area_m2,
                                       regional_value=parcel.regional_value)
        lines.append((schedule.agency, "permit", "عوارض صدور پروانه ساختمانی", "Building permit fee", amount))
    water_size = next((size for service, _, size in requests if service.code == "water"), None)
    for service, timing, size in requests:
        if (only is None and timing == "now") or service.code == only:
            amount = fees.service_fee(service.code, land_use=land_use, units=units, size=size, water_size=water_size)
            lines.append((service.agency, service.code, f"هزینه {service.name_fa}", f"{service.name_en} fee", amount))
    return lines


def estimate(*, parcel, permit: dict, services: dict[str, dict]) -> dict:
    """What the counter shows before a file is opened (nothing is written): the map's feasibility for the
    services wanted now, the zoning problems, and the fee estimate with its total in integer rials."""
    known = {s.code: s for s in Service.objects.select_related("agency")}
    wanted = sorted((known[c] for c, choice in services.items() if c in known and choice["timing"] == "now"),
                    key=lambda s: s.code)
    requests = [(known[c], choice["timing"], choice.get("size", {})) for c, choice in sorted(services.items())
                if c in known]
    try:
        lines = fee_lines(parcel=parcel, land_use=permit["land_use"], units=permit["units"],
                          floor_area=permit["gross_floor_area"], parking=permit.get("parking_spaces", 0),
                          requests=requests)
    except fees.FeeError as exc:
        raise ApplicationError(exc.field, str(exc)) from exc
    return {"feasibility": feasibility(parcel, services=wanted,
                                       sizes={c: choice.get("size") or {} for c, choice in services.items()}),
            "planning_problems": rules.planning_problems(parcel, land_use=permit["land_use"], floors=permit["floors"],
                                                         gross_floor_area=permit["gross_floor_area"]),
            "lines": [{"agency": a, "code": c, "fa": fa, "en": en, "amount": amt} for a, c, fa, en, amt in lines],
            "total": sum(line[4] for line in lines)}


def _create_bill(app, stage: str, only: str | None = None) -> Bill:
    """The bill of a stage (created once): the permit fee and every 'now' service, or one activated service."""
    existing = app.bills.filter(stage=stage).first()
    if existing:
        return existing
    requests = [(sr.service, sr.timing, sr.size) for sr in app.service_requests.select_related("service__agency")]
    lines = fee_lines(parcel=app.parcel, land_use=app.land_use, units=app.units, floor_area=app.gross_floor_area,
                      parking=app.parking_spaces, requests=requests, only=only)
    bill = Bill.objects.create(application=app, stage=stage, total=sum(line[4] for line in lines),
                               verification_code=secrets.token_urlsafe(18))
    BillLine.objects.bulk_create([BillLine(bill=bill, agency=agency, code=code, description_fa=fa, description_en=en,
                                           amount=amount) for agency, code, fa, en, amount in lines])
    audit.emit(event_type="bill.created", agency_code="municipality", parcel_id=app.parcel_id,
               payload={"application": app.tracking_code, "stage": stage, "total": bill.total})
    tell_applicant(app, "bill_ready", f"bill:{bill.pk}", {"amount": bill.total})
    pdf.queue("bill", bill.pk)
    return bill


# --- pay --------------------------------------------------------------------------------------

def open_bill(application) -> Bill | None:
    """The bill waiting to be paid, if any."""
    return application.bills.filter(settled_at__isnull=True).order_by("id").first()


def record_payment(*, actor, application, provider: str, amount: int, reference: str = "") -> Outcome:
    """Take a cash payment of the open bill at the counter; it settles at once.

    Card payments never come through here: they start with :func:`start_gateway_payment` and settle only
    when the bank's server has verified them (:func:`complete_gateway_payment`). The same cash receipt
    number twice changes nothing the second time.
    """
    if provider == payments.GATEWAY:
        raise ApplicationError("provider", _("A card payment is started at the bank gateway, not recorded by hand."))
    if provider != payments.CASH:
        raise ApplicationError("provider", _("Only cash is recorded by hand; card payments go through the bank "
                                              "gateway."))
    if not reference:
        raise ApplicationError("reference", _("A cash payment needs the receipt number."))
    with service_tx.atomic():
        locks.application(application.pk)
        existing = Payment.objects.filter(provider=provider, reference=reference).select_related("bill").first()
        if existing:
            if existing.bill.application_id != application.pk or existing.amount != amount:
                raise Conflict(_("Receipt number %(reference)s was already used for another payment.")
                               % Localized({"reference": reference}))
            return Outcome(existing, False)
        bill = _open_bill_locked(application)
        _check_amount(bill, amount)
        _require_documents(application)
        try:
            with transaction.atomic():
                payment = Payment.objects.create(
                    bill=bill, provider=provider, reference=reference, amount=amount,
                    recorded_by=audit.user_or_none(actor))
        except IntegrityError:
            raise Conflict(_("Receipt number %(reference)s was already used.")
                % Localized({"reference": reference})) from None
        audit.record(actor=actor, action="payment.record", obj=payment,
                     data={"provider": provider, "amount": amount, "reference": reference})
        _settle(payment, actor)
    return Outcome(payment, True)


def _require_documents(application) -> None:
    """No permit while a required document is missing: the permit's bill is not taken (so nothing is paid for
    a permit that cannot issue) until every required document is uploaded, seen at the counter, or excused by
    the signing official with a reason. Bills of services activated after the permit are not held."""
    if Permit.objects.filter(application_id=application.pk).exists():
        return
    missing = missing_documents(application)
    if missing:
        raise Conflict(_("The permit cannot be issued while documents are missing: %(names)s. Upload them or "
                         "record them as seen on the file page, or ask the signing official for an exception.")
                       % Localized({"names": "، ".join(str(Document(k).label) for k in missing)}))


def _open_bill_locked(application) -> Bill:
    bill = locks.open_bill(application.pk)
    if bill is None:
        raise Conflict(_("There is nothing to pay on this file: the bill is made once every agency has approved."))
    return bill


def _check_amount(bill: Bill, amount: int) -> None:
    outstanding = bill.total - bill.paid
    if amount != outstanding:
        raise ApplicationError("amount", _("The bill is paid in one payment of %(amount)s rials.")
                               % Localized({"amount": outstanding}))


def start_gateway_payment(*, actor, application, amount: int, callback_url: str) -> tuple[Payment, str]:
    """Start a card payment of the open bill at the bank gateway; returns the payment and the PSP's page.

    Our order id is unguessable and made here (nobody types a gateway reference). The payment stays
    pending until the bank's server verifies it; a PSP that does not answer leaves it failed.
    """
    gateway = psp.gateway()  # GatewayNotConfigured: card payment is not offered
    with service_tx.atomic():
        locks.application(application.pk)
        bill = _open_bill_locked(application)
        _check_amount(bill, amount)
        _require_documents(application)
        payment = Payment.objects.create(bill=bill, provider=payments.GATEWAY, reference=psp.new_order_id(),
                                         amount=amount,
                                         recorded_by=audit.user_or_none(actor))
        audit.record(actor=actor, action="payment.gateway_start", obj=payment,
                     data={"amount": amount, "order_id": payment.reference})
    # The PSP is asked outside the transaction: a slow bank must not hold the file's lock.
    try:
        token = gateway.request_token(amount=amount, order_id=payment.reference, callback_url=callback_url)
    except psp.GatewayError as exc:
        _close_payment(payment, Payment.Status.FAILED, {"stage": "token", "error": str(exc)})
        raise Conflict(_("The bank gateway did not open the payment: %(reason)s")
            % Localized({"reason": exc})) from None
    Payment.objects.filter(pk=payment.pk).update(token=token)
    payment.token = token
    return payment, gateway.pay_url(token)


def _close_payment(payment: Payment, status: str, data: dict) -> bool:
    """Move a pending gateway payment to failed or reversed, once; audited."""
    with transaction.atomic():
        changed = Payment.objects.filter(pk=payment.pk, status=Payment.Status.PENDING).update(status=status) == 1
        if changed:
            audit.record(actor=None, action=f"payment.gateway_{status}", obj=payment, data=data)
    return changed


def complete_gateway_payment(*, order_id: str, token: str) -> Outcome:
    """The payer is back from the bank: settle the payment only if the bank's server verifies it.

    The callback's own words (state, amount, reference) are never trusted: only the PSP's answer to our
    server-to-server verify call is. A verified payment of another amount, or one for a bill already
    settled by another payment, is reversed at the PSP. A replayed callback changes nothing.
    """
    payment = Payment.objects.filter(provider=payments.GATEWAY, reference=order_id).select_related("bill").first()
    if payment is None or not token or not payment.token or not secrets.compare_digest(payment.token, token):
        raise ApplicationError("token", _("There is no card payment with this order number and token."))
    if payment.status != Payment.Status.PENDING:
        return Outcome(payment, False)
    gateway = psp.gateway()
    try:
        result = gateway.verify(token=token)
    except psp.GatewayError as exc:
        # Unknown outcome: leave it pending; the reconciliation finds it if the bank took the money.
        raise Conflict(_("The bank gateway could not verify the payment now: %(reason)s")
            % Localized({"reason": exc})) from None
    if not result.ok:
        _close_payment(payment, Payment.Status.FAILED, {"stage": "verify", "status": result.status})
        payment.refresh_from_db()
        return Outcome(payment, False)
    if result.amount != payment.amount or result.order_id != payment.reference:
        _reverse(gateway, payment, {"stage": "verify", "reason": "amount_or_order_differs",
                                    "verified_amount": result.amount, "verified_order": result.order_id})
        payment.refresh_from_db()
        return Outcome(payment, False)
    with service_tx.atomic():
        if payment.bill.application_id:  # a file's bill: its application first (the lock order)
            locks.application(payment.bill.application_id)
        locked = locks.payment(payment.pk)
        bill = locks.bill(locked.bill_id)
        settled = False
        if locked.status == Payment.Status.PENDING and bill.settled_at is None \
                and bill.total - bill.paid == locked.amount:
            Payment.objects.filter(pk=locked.pk).update(bank_reference=result.ref_num[:64],
                                                        card=result.masked_pan[:32])
            audit.record(actor=None, action="payment.gateway_verified", obj=locked,
                         data={"ref_num": result.ref_num, "amount": result.amount})
            _settle(locked, None)
            settled = True
    if not settled:
        payment.refresh_from_db()
        if payment.status == Payment.Status.PENDING:  # the bill was paid by another payment meanwhile
            _reverse(gateway, payment, {"stage": "settle", "reason": "bill_already_settled"})
            payment.refresh_from_db()
        return Outcome(payment, False)
    payment.refresh_from_db()
    return Outcome(payment, True)


def _reverse(gateway, payment: Payment, data: dict) -> None:
    try:
        data["reversed_at_psp"] = gateway.reverse(token=payment.token)
    except psp.GatewayError as exc:
        data["reversed_at_psp"] = False
        data["error"] = str(exc)
    _close_payment(payment, Payment.Status.REVERSED, data)


def _settle(payment: Payment, actor) -> None:
    now = timezone.now()
    if Payment.objects.filter(pk=payment.pk, status=Payment.Status.PENDING).update(
            status=Payment.Status.SETTLED, settled_at=now) != 1:
        return
    bill = locks.bill(payment.bill_id)
    Bill.objects.filter(pk=bill.pk).update(paid=bill.paid + payment.amount, settled_at=now)
    shares = bill.lines.values("agency").annotate(total=Sum("amount"))
    LedgerEntry.objects.bulk_create([LedgerEntry(payment=payment, agency_id=s["agency"], amount=s["total"])
                                     for s in shares])
    app = bill.application
    audit.record(actor=actor, action="bill.settle", obj=bill, data={"payment": payment.reference})
    if app is None:  # an agency's bill for its street works: both sides hear of it, no file moves on
        for code in sorted({bill.payer.code} | {line.agency.code for line in bill.lines.select_related("agency")}):
            audit.emit(event_type="bill.paid", agency_code=code,
                       payload={"payer": bill.payer.code, "stage": bill.stage, "amount": payment.amount})
        return
    audit.emit(event_type="bill.paid", agency_code="municipality", parcel_id=app.parcel_id,
               payload={"application": app.tracking_code, "stage": bill.stage, "amount": payment.amount})
    _advance(app, actor)


# --- an agency's bills (street works) ---------------------------------------------------------

def bill_agency(*, payer: Agency, stage: str, lines: list[tuple[Agency, str, str, str, int]]) -> Bill:
    """Bill an agency (for its street works: a permit's fee, an Article 103 recovery, a penalty): one bill
    per stage, created once; ``lines`` are (payee agency, code, Persian text, English text, rials). Called
    inside the caller's transaction, so the bill is written with the state change that owes it."""
    existing = Bill.objects.filter(payer=payer, application__isnull=True, stage=stage).first()
    if existing:
        return existing
    lines = [line for line in lines if line[4] > 0]
    bill = Bill.objects.create(payer=payer, stage=stage, total=sum(line[4] for line in lines),
                               verification_code=secrets.token_urlsafe(18))
    BillLine.objects.bulk_create([BillLine(bill=bill, agency=agency, code=code, description_fa=fa, description_en=en,
                                           amount=amount) for agency, code, fa, en, amount in lines])
    if bill.total == 0:  # nothing to pay (a free surface): settled as written
        Bill.objects.filter(pk=bill.pk).update(settled_at=timezone.now())
    audit.emit(event_type="bill.created", agency_code=payer.code,
               payload={"payer": payer.code, "stage": stage, "total": bill.total})
    pdf.queue("bill", bill.pk)
    return bill


def record_transfer(*, actor, bill: Bill, amount: int, reference: str) -> Outcome:
    """The city's treasury records an agency's bank transfer paying one of its bills; it settles at once and
    is booked to each payee's ledger. The same transfer reference twice changes nothing the second time."""
    if bill.application_id is not None:
        raise ApplicationError("bill", _("A file's bill is paid at the counter or the bank gateway, not by an "
                                         "agency's transfer."))
    reference = (reference or "").strip()
    if not reference:
        raise ApplicationError("reference", _("A transfer needs the bank's reference number."))
    with service_tx.atomic():
        locked = locks.bill(bill.pk)
        existing = Payment.objects.filter(provider=payments.TRANSFER, reference=reference).first()
        if existing:
            if existing.bill_id != locked.pk or existing.amount != amount:
                raise Conflict(_("Receipt number %(reference)s was already used for another payment.")
                               % Localized({"reference": reference}))
            return Outcome(existing, False)
        if locked.settled_at is not None:
            raise Conflict(_("This bill is already paid."))
        _check_amount(locked, amount)
        payment = Payment.objects.create(bill=locked, provider=payments.TRANSFER, reference=reference[:64],
                                         amount=amount,
                                         recorded_by=audit.user_or_none(actor))
        audit.record(actor=actor, action="payment.transfer", obj=payment,
                     data={"payer": locked.payer_id, "amount": amount, "reference": reference})
        _settle(payment, actor)
    return Outcome(payment, True)


# --- issue ------------------------------------------------------------------------------------

def _permit_number(today) -> str:
    year = jalali_year(today)
    try:
        with transaction.atomic():
            PermitCounter.objects.get_or_create(year=year)
    except IntegrityError:
        pass
    counter = locks.permit_counter(year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"{year}-{counter.last:06d}"


def _order(app, service) -> ConnectionOrder:
    order = ConnectionOrder.objects.create(application=app, service=service, agency=service.agency)
    audit.emit(event_type="connection.ordered", agency_code=service.agency.code, parcel_id=app.parcel_id,
               payload={"application": app.tracking_code, "service": service.code, "order": order.pk,
                        "size": app.service_requests.get(service=service).size})
    return order


def current_tariff_class(parcel) -> str:
    """The parcel's water tariff class now: the last change's, or its land use's if it never changed."""
    last = TariffChange.objects.filter(parcel=parcel).order_by("-created_at", "-id").first()
    return last.to_class if last else rules.tariff_class_for(parcel.land_use)


def _issue_permit(app, actor) -> Permit:
    """Permit, every 'now' connection order and the tariff switch: one transaction (the caller's)."""
    now = timezone.now()
    today = local_date(now)
    # signed at issue by the official who signs the municipality's papers, unless the city has its permits
    # wait on the signing official's page (then the paper is made when it is signed)
    await_signature = Agency.objects.filter(code="municipality", permits_await_signature=True).exists()
    official = None if await_signature else signing_official("municipality")
    permit = Permit.objects.create(application=app, number=_permit_number(today), issued_at=now,
                                   issued_by=audit.user_or_none(actor),
                                   verification_code=secrets.token_urlsafe(18),
                                   signed_by=official.user if official else None,
                                   signed_at=None if await_signature else now)
    for sr in app.service_requests.filter(timing="now").select_related("service__agency"):
        _order(app, sr.service)
    from_class = current_tariff_class(app.parcel)
    TariffChange.objects.create(parcel=app.parcel, permit=permit, cause=TariffChange.Cause.PERMIT,
                                from_class=from_class, to_class=TariffClass.CONSTRUCTION, effective_date=today)
    Application.objects.filter(pk=app.pk).update(status=Application.Status.ISSUED)
    audit.record(actor=actor, action="permit.issue", obj=permit, data={"number": permit.number})
    audit.emit(event_type="permit.issued", agency_code="municipality", parcel_id=app.parcel_id,
               payload={"application": app.tracking_code, "permit": permit.number})
    tell_applicant(app, "permit_issued", f"permit:{permit.number}", {"number": permit.number})
    if not await_signature:
        pdf.queue("permit", permit.pk)  # the original PDF, rendered by the worker once the permit is committed
    audit.emit(event_type="tariff.changed", agency_code="water", parcel_id=app.parcel_id,
               payload={"permit": permit.number, "from": from_class, "to": TariffClass.CONSTRUCTION,
                        "effective_date": today.isoformat()})
    return permit


def sign_permit(*, actor, permit) -> Outcome:
    """The signing official signs a permit waiting on their page: it carries their name and title from now
    on, and its paper (the original PDF) is made. Signing twice changes nothing the second time."""
    with service_tx.atomic():
        now = timezone.now()
        signed = Permit.objects.filter(pk=permit.pk, signed_at__isnull=True).update(
            signed_by=audit.user_or_none(actor), signed_at=now)
        permit.refresh_from_db()
        if not signed:
            return Outcome(permit, False)
        audit.record(actor=actor, action="permit.sign", obj=permit, data={"number": permit.number})
        pdf.queue("permit", permit.pk)
    return Outcome(permit, True)


# --- later services, completion -----------------------------------------------------------------

def activate_service(*, actor, application, service_code: str, size: dict | None = None) -> Outcome:
    """Turn a service chosen 'later' on, on the same file: a review by its agency, then a bill line."""
    with service_tx.atomic():
        app = locks.application(application.pk)
        if app.status not in {Application.Status.ISSUED, Application.Status.COMPLETED}:
            raise Conflict(_("A service chosen for later is activated once the permit is issued."))
        sr = app.service_requests.select_related("service__agency").filter(service__code=service_code).first()
        if sr is None:
            raise ApplicationError("service", _("Unknown service «%(code)s».") % Localized({"code": service_code}))
        stage = f"activation:{service_code}"
        existing = app.tasks.filter(stage=stage).first()
        if existing:
            return Outcome(existing, False)
        if sr.timing == "now":
            raise Conflict(_("The service %(code)s was already requested with the permit.")
                % Localized({"code": service_code}))
        new_size = size if size is not None else sr.size
        water = app.service_requests.filter(service__code="water").first()
        try:
            fees.service_fee(service_code, land_use=app.land_use, units=app.units, size=new_size,
                             water_size=water.size if water else None)
        except fees.FeeError as exc:
            raise ApplicationError(f"size.{exc.field}", str(exc)) from exc
        now = timezone.now()
        ServiceRequest.objects.filter(pk=sr.pk).update(timing="now", size=new_size, activated_at=now)
        task = ReviewTask.objects.create(application=app, agency=sr.service.agency, stage=stage,
                                         due_date=_due(sr.service.agency, now))
        audit.record(actor=actor, action="service.activate", obj=app, data={"service": service_code})
        audit.emit(event_type="service.activated", agency_code=sr.service.agency.code, parcel_id=app.parcel_id,
                   payload={"application": app.tracking_code, "service": service_code, "due_date": str(task.due_date)})
    return Outcome(task, True)


def uninstalled_connections(application) -> list:
    """The file's connection orders not yet installed (what a completion certified now would leave behind)."""
    return list(application.connection_orders.select_related("service", "agency")
                .filter(status=ConnectionOrder.Status.ORDERED).order_by("service__code"))


def certify_completion(*, actor, application, reason: str = "") -> Outcome:
    """گواهی پایان کار: the tariff goes from construction to the building's final use, once. With connections
    still not installed it is certified only with a ``reason`` (kept on the certificate and in the audit)."""
    reason = normalize_text(reason or "")
    with service_tx.atomic():
        app = locks.application(application.pk)
        existing = CompletionCertificate.objects.filter(application=app).first()
        if existing:
            return Outcome(existing, False)
        if app.status != Application.Status.ISSUED:
            raise Conflict(_("A completion certificate needs an issued permit."))
        pending = uninstalled_connections(app)
        if pending and not reason:
            raise ApplicationError("reason", _("These connections are not installed yet: %(names)s. Write why "
                                               "completion is certified before them.")
                                   % Localized({"names": "، ".join(o.service.name_fa for o in pending)}))
        now = timezone.now()
        cert = CompletionCertificate.objects.create(application=app, issued_at=now,
                                                    issued_by=actor if getattr(actor, "is_authenticated", False)
                                                    else None, verification_code=secrets.token_urlsafe(18),
                                                    uninstalled=[o.service.code for o in pending],
                                                    uninstalled_reason=reason if pending else "")
        pdf.queue("completion", cert.pk)
        final = rules.tariff_class_for(app.land_use)
        TariffChange.objects.create(parcel=app.parcel, permit=app.permit, cause=TariffChange.Cause.COMPLETION,
                                    from_class=current_tariff_class(app.parcel), to_class=final,
                                    effective_date=local_date(now))
        Application.objects.filter(pk=app.pk).update(status=Application.Status.COMPLETED)
        audit.record(actor=actor, action="completion.certify", obj=cert,
                     data={"final_class": final, "uninstalled": cert.uninstalled, "reason": cert.uninstalled_reason})
        audit.emit(event_type="completion.certified", agency_code="municipality", parcel_id=app.parcel_id,
                   payload={"application": app.tracking_code})
        audit.emit(event_type="tariff.changed", agency_code="water", parcel_id=app.parcel_id,
                   payload={"permit": app.permit.number, "from": TariffClass.CONSTRUCTION, "to": final,
                            "effective_date": local_date(now).isoformat()})
    return Outcome(cert, True)


# --- deadlines --------------------------------------------------------------------------------

def process_deadlines(*, now=None) -> dict:
    """Flag every open task past its deadline: deemed approved where silence counts, else escalated."""
    now = now or timezone.now()
    today = local_date(now)
    counts = {"deemed_approved": 0, "escalated": 0, "expired_unchecked": expire_unchecked(now=now)}
    # Only tasks waiting on the agency: while it waits on the applicant (information requested) its clock stops.
    late = ReviewTask.objects.filter(status=ReviewTask.Status.PENDING, due_date__lt=today, overdue_at__isnull=True) \
        .select_related("agency", "application")
    for task_id in list(late.values_list("id", flat=True)):
        with service_tx.atomic():
            # the lock order of every service: the application first, then its tasks (as record_decision). The
            # task's row alone is locked (of=self): locking it joined with its application and agency took the
            # three in the database's order — the opposite of a refusal's — and the two could deadlock.
            app_id = ReviewTask.objects.filter(pk=task_id).values_list("application_id", flat=True).first()
            locks.application(app_id)
            task = locks.task(task_id)
            if task.status != ReviewTask.Status.PENDING or task.overdue_at is not None:
                continue
            app = task.application
            if task.agency.silence_means_approval:
                ReviewTask.objects.filter(pk=task.pk).update(status=ReviewTask.Status.DEEMED, decided_at=now,
                                                             overdue_at=now)
                counts["deemed_approved"] += 1
                audit.record(actor=None, action="review.deemed_approved", obj=task, data={"due": str(task.due_date)})
                audit.emit(event_type="review.deemed_approved", agency_code=task.agency.code,
                           parcel_id=app.parcel_id, payload={"application": app.tracking_code})
                _advance(app, None)
            else:
                ReviewTask.objects.filter(pk=task.pk).update(overdue_at=now)
                counts["escalated"] += 1
                audit.record(actor=None, action="review.deadline_missed", obj=task, data={"due": str(task.due_date)})
                audit.emit(event_type="review.deadline_missed", agency_code=task.agency.code,
                           parcel_id=app.parcel_id, payload={"application": app.tracking_code,
                                                             "due_date": str(task.due_date)})
    return counts


def record_connection_installed(*, application, agency_code: str, service_code: str, subscription_number: str,
                                via: str = "", actor=None) -> Outcome:
    """An agency (its system, or its staff on the connections page) reports a connection installed, with its
    meter or subscription number."""
    subscription_number = normalize_text(subscription_number)
    if not subscription_number or len(subscription_number) > 40:
        raise ApplicationError("subscription_number", _("Give the meter or subscription number (at most 40 "
                                                         "characters)."))
    with service_tx.atomic():
        locks.application(application.pk)
        order = locks.connection_order(application.pk, service_code)
        if order is None:
            raise Conflict(_("There is no connection order for %(service)s on file %(code)s.")
                           % Localized({"service": service_code, "code": application.tracking_code}))
        if order.agency.code != agency_code:
            raise WrongAgency("service", _("%(service)s connections belong to agency %(agency)s.")
                                   % Localized({"service": service_code, "agency": order.agency.code}))
        if order.status == ConnectionOrder.Status.INSTALLED:
            if order.subscription_number == subscription_number:
                return Outcome(order, False)
            raise Conflict(_("%(service)s was already installed as subscription %(number)s.")
                           % Localized({"service": service_code, "number": order.subscription_number}))
        ConnectionOrder.objects.filter(pk=order.pk).update(status=ConnectionOrder.Status.INSTALLED,
                                                           subscription_number=subscription_number,
                                                           installed_at=timezone.now())
        order.refresh_from_db()
        audit.record(actor=actor, action="connection.installed", obj=order,
                     data={"subscription_number": subscription_number, "via": via})
        audit.emit(event_type="connection.installed", agency_code=agency_code, parcel_id=application.parcel_id,
                   payload={"application": application.tracking_code, "service": service_code,
                            "subscription_number": subscription_number})
        tell_applicant(application, "connection_installed", f"installed:{order.pk}",
                       {"service": order.service.name_fa, "subscription": subscription_number})
    return Outcome(order, True)
