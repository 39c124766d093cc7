"""Complaints about a connection or a bill (B-READY: complaints with a resolution deadline and escalation): the
customer files one from home against one of the file's agencies; the agency answers within its working days; the
deadline pass escalates an unanswered one to the independent body. Each step told by SMS and as an event."""

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from panjereh.agencies.models import Agency
from panjereh.core import audit, service_tx
from panjereh.core.calendar import add_working_days, jalali, local_date
from panjereh.core.text import Localized, persian_digits
from panjereh.permits import locks
from panjereh.permits.models import Complaint
from panjereh.permits.services.base import ApplicationError, Conflict, tell_applicant

MIN_TEXT = 20


def file_agencies(application):
    """The agencies a complaint of this file may be against: those of its services and its municipality."""
    codes = set(application.service_requests.values_list("service__agency__code", flat=True))
    codes |= set(application.tasks.values_list("agency__code", flat=True))
    return Agency.objects.filter(code__in=codes).order_by("code")


def file_complaint(*, application, agency_code: str, subject: str, text: str) -> Complaint:
    text = (text or "").strip()
    if subject not in Complaint.Subject.values:
        raise ApplicationError("subject", _("Say whether the complaint is about a connection or a bill."))
    agency = file_agencies(application).filter(code=agency_code).first()
    if agency is None:
        raise ApplicationError("agency", _("Choose one of this file's agencies."))
    if len(text) < MIN_TEXT:
        raise ApplicationError("text", _("Write what went wrong, in at least %(count)s characters.")
                               % Localized({"count": MIN_TEXT}))
    with service_tx.atomic():
        app = locks.application(application.pk)
        if app.complaints.filter(agency=agency, status__in=[Complaint.Status.PENDING, Complaint.Status.ESCALATED]) \
                .exists():
            raise Conflict(_("A complaint of this file to %(agency)s is already waiting for its answer.")
                           % Localized({"agency": agency.name_fa}))
        due = add_working_days(local_date(timezone.now()), settings.PANJEREH_COMPLAINT_DAYS, app.city_id)
        complaint = Complaint.objects.create(application=app, agency=agency, subject=subject, text=text,
                                             due_date=due)
        audit.record(actor=None, action="complaint.filed", obj=complaint, data={"agency": agency.code})
        audit.emit(event_type="complaint.filed", agency_code=agency.code, parcel_id=app.parcel_id,
                   payload={"application": app.tracking_code, "subject": subject, "due_date": str(due)})
        tell_applicant(app, "complaint_filed", f"complaint:{complaint.pk}:filed",
                       {"agency": agency.name_fa, "date": persian_digits(jalali(due))})
    return complaint


def answer_complaint(*, actor, complaint, answer: str) -> Complaint:
    answer = (answer or "").strip()
    if not answer:
        raise ApplicationError("answer", _("Write the answer to the complaint."))
    with service_tx.atomic():
        app = locks.application(complaint.application_id)
        if Complaint.objects.filter(pk=complaint.pk, status__in=[Complaint.Status.PENDING,
                                                                 Complaint.Status.ESCALATED]).update(
                status=Complaint.Status.ANSWERED, answer=answer, answered_at=timezone.now(),
                answered_by=audit.user_or_none(actor)) != 1:
            raise Conflict(_("This complaint was answered already."))
        complaint.refresh_from_db()
        audit.record(actor=actor, action="complaint.answered", obj=complaint, data={})
        audit.emit(event_type="complaint.answered", agency_code=complaint.agency.code, parcel_id=app.parcel_id,
                   payload={"application": app.tracking_code})
        tell_applicant(app, "complaint_answered", f"complaint:{complaint.pk}:answered",
                       {"agency": complaint.agency.name_fa})
    return complaint


def escalate_late_complaints(now=None) -> int:
    """The deadline pass: every complaint past its due date unanswered goes to the independent body."""
    now = now or timezone.now()
    late = Complaint.objects.filter(status=Complaint.Status.PENDING, due_date__lt=local_date(now))
    count = 0
    for complaint in late.select_related("application", "agency"):
        with service_tx.atomic():
            if Complaint.objects.filter(pk=complaint.pk, status=Complaint.Status.PENDING).update(
                    status=Complaint.Status.ESCALATED, escalated_at=now) != 1:
                continue
            app = complaint.application
            audit.record(actor=None, action="complaint.escalated", obj=complaint, data={"due": str(complaint.due_date)})
            audit.emit(event_type="complaint.escalated", agency_code=complaint.agency.code, parcel_id=app.parcel_id,
                       payload={"application": app.tracking_code})
            tell_applicant(app, "complaint_escalated", f"complaint:{complaint.pk}:escalated",
                           {"agency": complaint.agency.name_fa})
            count += 1
    return count
