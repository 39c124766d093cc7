"""Appeals of a refusal (B-READY: an online dispute of a final decision): the applicant files one from home with
grounds and a document; the city's appeal body decides it within its working days; upheld, the review reopens in
a new round (as an amended file would); dismissed, the refusal stands. Both told by SMS."""

from django.conf import settings
from django.core.files.storage import default_storage
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from panjereh.core import audit, service_tx, uploads
from panjereh.core.calendar import add_working_days, jalali, local_date
from panjereh.core.text import Localized, persian_digits
from panjereh.permits import locks
from panjereh.permits.models import Appeal, Document, ReviewTask
from panjereh.permits.services import apply
from panjereh.permits.services.base import ApplicationError, Conflict, tell_applicant
from panjereh.permits.services.documents import _check_document_room, _document_row

MIN_GROUNDS = 20  # characters: "I object" is not grounds


def file_appeal(*, application, grounds: str, document=None) -> Appeal:
    """The applicant appeals the refusal of their file. Refused unless the file is refused, the grounds say
    something, and no appeal of it is waiting; a document is checked like any upload (nothing kept on refusal)."""
    grounds = (grounds or "").strip()
    if len(grounds) < MIN_GROUNDS:
        raise ApplicationError("grounds", _("Write the grounds of the appeal: what in the refusal is wrong, in at "
                                            "least %(count)s characters.") % Localized({"count": MIN_GROUNDS}))
    if not application.allows("appeal"):
        raise Conflict(_("File %(code)s is not refused: there is nothing to appeal.")
                       % Localized({"code": application.tracking_code}))
    stored = None
    if document is not None:
        _check_document_room(application, Document.OTHER)
        try:
            stored = uploads.store(document, prefix=f"files/{application.tracking_code}", field="document")
        except uploads.UploadError as exc:
            raise ApplicationError(exc.field, str(exc)) from None
    try:
        with service_tx.atomic():
            app = locks.application(application.pk)
            if not app.allows("appeal"):
                raise Conflict(_("File %(code)s is not refused: there is nothing to appeal.")
                               % Localized({"code": app.tracking_code}))
            if app.appeals.filter(status=Appeal.Status.PENDING).exists():
                raise Conflict(_("An appeal of file %(code)s is already waiting for the commission.")
                               % Localized({"code": app.tracking_code}))
            refusal = app.tasks.filter(status=ReviewTask.Status.REJECTED).order_by("-round", "-decided_at").first()
            if refusal is None:
                raise Conflict(_("File %(code)s has no refusal to appeal.") % Localized({"code": app.tracking_code}))
            row = _document_row(None, app, Document.OTHER, document, stored, True, None) if stored else None
            today = local_date(timezone.now())
            appeal = Appeal.objects.create(application=app, task=refusal, grounds=grounds, document=row,
                                           due_date=add_working_days(today, settings.PANJEREH_APPEAL_DAYS,
                                                                     app.city_id))
            audit.record(actor=None, action="appeal.filed", obj=appeal,
                         data={"application": app.tracking_code, "refusal": refusal.agency.code})
            audit.emit(event_type="appeal.filed", agency_code=refusal.agency.code, parcel_id=app.parcel_id,
                       payload={"application": app.tracking_code, "due_date": str(appeal.due_date)})
            tell_applicant(app, "appeal_filed", f"appeal:{appeal.pk}:filed",
                           {"date": persian_digits(jalali(appeal.due_date))})
            return appeal
    except (ApplicationError, Conflict):
        if stored is not None:
            default_storage.delete(stored.name)
        raise


def decide_appeal(*, actor, appeal, upheld: bool, note: str) -> Appeal:
    """The appeal body decides: upheld reopens the review (a new round for every agency concerned), dismissed
    leaves the refusal standing. The reasons are written; an appeal decided already is not decided again."""
    note = (note or "").strip()
    if not note:
        raise ApplicationError("note", _("Write the commission's reasons."))
    with service_tx.atomic():
        app = locks.application(appeal.application_id)
        status = Appeal.Status.UPHELD if upheld else Appeal.Status.DISMISSED
        now = timezone.now()
        if Appeal.objects.filter(pk=appeal.pk, status=Appeal.Status.PENDING).update(
                status=status, decided_at=now, decided_by=audit.user_or_none(actor), decision_note=note) != 1:
            raise Conflict(_("This appeal was decided already."))
        appeal.refresh_from_db()
        audit.record(actor=actor, action="appeal.decided", obj=appeal, data={"status": status})
        audit.emit(event_type="appeal.decided", agency_code=appeal.task.agency.code, parcel_id=app.parcel_id,
                   payload={"application": app.tracking_code, "status": status})
        tell_applicant(app, "appeal_decided", f"appeal:{appeal.pk}:decided",
                       {"outcome": Appeal.Status(status).label})
    if upheld and app.allows("resubmit"):
        apply.resubmit_application(actor=actor, application=app, note=_("appeal upheld: %(note)s")
                                   % Localized({"note": note[:400]}))
    return appeal


def waiting_appeals(files):
    """The appeals waiting for a decision among ``files`` (a queryset the caller may read), the earliest due
    first."""
    return Appeal.objects.filter(Q(status=Appeal.Status.PENDING), application__in=files) \
        .select_related("application", "task__agency", "task__reason").order_by("due_date", "id")
