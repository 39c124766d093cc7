"""A file's documents: uploaded or seen at the counter, waived by the signer, and the document check of a file sent
from home (accepted, returned, closed, expired)."""

import secrets

from django.conf import settings
from django.core.files.storage import default_storage
from django.utils import timezone
from django.utils.translation import gettext as _

from panjereh.agencies.queries import municipality_of
from panjereh.agencies.models import RefusalReason
from panjereh.core import audit, service_tx, uploads
from panjereh.core.calendar import day_bounds, last_start_beyond, local_date
from panjereh.core.text import Localized, normalize_text
from panjereh.permits import locks, required_documents, transitions
from panjereh.permits.models import Application, Document, DocumentWaiver, FileDocument, Permit
from panjereh.permits.services import apply
from panjereh.permits.services.base import ApplicationError, Conflict, tell_applicant


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
    if not application.allows("add_document"):
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
    return [k for k in required_documents.required_documents(application.permit_type) if k not in have]


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
    if kind not in required_documents.required_documents(application.permit_type):
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
        if not app.allows("accept_documents"):
            raise Conflict(_("File %(code)s is not waiting for a document check.")
                           % Localized({"code": app.tracking_code}))
        missing = missing_documents(app)
        if missing:
            raise ApplicationError("documents", _("Documents still missing: %(names)s.")
                                   % Localized({"names": "، ".join(str(Document(k).label) for k in missing)}))
        if app.channel == Application.Channel.ONLINE and not app.identity_verified:
            raise Conflict(_("The applicant's mobile is not yet confirmed as theirs by the identity inquiry."))
        now = timezone.now()
        Application.objects.filter(pk=app.pk).update(status=transitions.leads_to("accept_documents"), check_note="",
                                                     office=office or app.office)
        app.status = transitions.leads_to("accept_documents")
        agencies = apply._open_round(app, now)
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
        if not app.allows("return_for_documents"):
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


def close_unchecked(*, actor, application, outcome: str, reason_number, note: str = "") -> Application:
    """Staff close a file waiting for the document check, citing one of the municipality's numbered reasons:
    ``refuse`` (the file is not acceptable) or ``withdraw`` (the applicant asked, or it holds a parcel that is
    not theirs). The parcel is free again; the applicant is told by SMS."""
    if outcome not in {"refuse", "withdraw"}:
        raise ApplicationError("outcome", _("Choose to refuse or to withdraw the file."))
    reason = RefusalReason.objects.filter(agency=municipality_of(application.city_id), number=reason_number,
                                          active=True).first() \
        if str(reason_number or "").isdigit() else None
    if reason is None:
        raise ApplicationError("reason", _("Choose one of the municipality's numbered reasons."))
    with service_tx.atomic():
        app = locks.application(application.pk)
        action = f"{outcome}_unchecked"
        if not app.allows(action):
            raise Conflict(_("File %(code)s is not waiting for a document check.")
                           % Localized({"code": app.tracking_code}))
        status = transitions.leads_to(action)
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
            if not app.allows("expire_unchecked"):
                continue
            Application.objects.filter(pk=app.pk).update(status=transitions.leads_to("expire_unchecked"),
                                                         check_note=str(_("Expired: not checked in time.")))
            audit.record(actor=None, action="documents.expired", obj=app,
                         data={"working_days": settings.PANJEREH_CHECK_EXPIRY_DAYS})
            tell_applicant(app, "check_expired", f"check-expired:{app.pk}", {})
            expired += 1
    return expired


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
