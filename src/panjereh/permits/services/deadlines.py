"""The deadline pass the worker runs: a task past its deadline is deemed approved where the agency's silence counts,
else escalated; files from home not checked in time expire."""

from django.utils import timezone

from panjereh.core import audit, service_tx, silence
from panjereh.permits import locks
from panjereh.permits.models import ReviewTask
from panjereh.permits.services import complaint, documents, review


def process_deadlines(*, now=None) -> dict:
    """Flag every open task past its deadline: deemed approved where silence counts, else escalated."""
    now = now or timezone.now()
    counts = {"deemed_approved": 0, "escalated": 0, "expired_unchecked": documents.expire_unchecked(now=now),
              "complaints_escalated": complaint.escalate_late_complaints(now)}
    # Only tasks waiting on the agency: while it waits on the applicant (information requested) its clock stops.
    waiting = ReviewTask.objects.filter(status=ReviewTask.Status.PENDING, overdue_at__isnull=True)
    late = silence.past_due(waiting, now)
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
                silence.deem(ReviewTask.objects.filter(pk=task.pk), waiting_status=ReviewTask.Status.PENDING,
                             status=ReviewTask.Status.DEEMED, decided_at=now, overdue_at=now)
                counts["deemed_approved"] += 1
                audit.record(actor=None, action="review.deemed_approved", obj=task, data={"due": str(task.due_date)})
                audit.emit(event_type="review.deemed_approved", agency_code=task.agency.code,
                           parcel_id=app.parcel_id, payload={"application": app.tracking_code})
                review._advance(app, None)
            else:
                ReviewTask.objects.filter(pk=task.pk).update(overdue_at=now)
                counts["escalated"] += 1
                audit.record(actor=None, action="review.deadline_missed", obj=task, data={"due": str(task.due_date)})
                audit.emit(event_type="review.deadline_missed", agency_code=task.agency.code,
                           parcel_id=app.parcel_id, payload={"application": app.tracking_code,
                                                             "due_date": str(task.due_date)})
    return counts
