"""The agencies' decisions on a file, their questions to the applicant, and ``_advance``: what happens next after a
decision or a payment (reject, bill, issue, order a later service), asked of the transition table."""

from django.utils import timezone
from django.utils.translation import gettext as _

from panjereh.agencies.codes import MUNICIPALITY
from panjereh.agencies.models import RefusalReason, Service
from panjereh.core import audit, service_tx
from panjereh.core.calendar import add_working_days, local_date, working_days_between
from panjereh.core.text import Localized
from panjereh.permits import locks, transitions
from panjereh.permits.models import Application, Document, InfoRequest, ReviewTask
from panjereh.permits.services import documents, issue, pay
from panjereh.permits.services.base import ApplicationError, Conflict, Outcome, tell_applicant

DECISIONS = {"approve": ReviewTask.Status.APPROVED, "approve_with_conditions": ReviewTask.Status.CONDITIONAL,
             "request_info": ReviewTask.Status.INFO_REQUESTED, "reject": ReviewTask.Status.REJECTED}


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
                                                                      local_date(now), city=task.application.city_id))


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
        documents._check_document_room(application, document_kind)
    stored = documents._store_document(application, document_kind, document) if document is not None else None
    with service_tx.atomic():
        locks.application(application.pk)
        task = _current_task(application, agency_code)
        question = locks.open_question(task.pk)
        if task.status != ReviewTask.Status.INFO_REQUESTED or question is None:
            raise Conflict(_("Agency %(agency)s is not waiting for information on file %(code)s.")
                           % Localized({"agency": agency_code, "code": application.tracking_code}))
        now = timezone.now()
        waited = working_days_between(local_date(question.asked_at), local_date(now), city=application.city_id)
        due = add_working_days(task.due_date, waited, application.city_id) if waited else task.due_date
        if ReviewTask.objects.filter(pk=task.pk, status=ReviewTask.Status.INFO_REQUESTED).update(
                status=ReviewTask.Status.PENDING, due_date=due, overdue_at=None) != 1:
            raise Conflict(_("Agency %(agency)s decided meanwhile.") % Localized({"agency": agency_code}))
        InfoRequest.objects.filter(pk=question.pk).update(
            answer=answer, answered_at=now, waited_working_days=waited,
            answered_by=audit.user_or_none(actor))
        question.refresh_from_db()
        if stored is not None:
            documents._document_row(actor, application, document_kind, document, stored, actor is None, question)
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
    if app.allows("refuse"):  # under review: a refusal ends it, the last approval bills it
        refused = next((t for t in initial if t.status == ReviewTask.Status.REJECTED), None)
        if refused is not None:
            Application.objects.filter(pk=app.pk).update(status=transitions.leads_to("refuse"))
            _withdraw_open_tasks(app, refused)
            audit.emit(event_type="application.rejected", agency_code=MUNICIPALITY, parcel_id=app.parcel_id,
                       payload={"application": app.tracking_code})
            reason = refused.reason
            tell_applicant(app, "refused", f"refused:{app.tracking_code}:{app.round}", {
                "agency": refused.agency.name_fa, "reason": reason.number if reason else "—",
                "text": reason.text_fa if reason else ""})
            return
        if all(t.status in ReviewTask.POSITIVE for t in initial):
            pay._create_bill(app, "initial")
            app.status = transitions.leads_to("bill")
            Application.objects.filter(pk=app.pk).update(status=app.status)
    if app.allows("issue"):
        bill = app.bills.filter(stage="initial").first()
        if bill and bill.is_settled and all(t.status in ReviewTask.POSITIVE for t in initial):
            issue._issue_permit(app, actor)
    for task in app.tasks.exclude(stage="initial"):
        code = task.stage.split(":", 1)[1]
        if task.status in ReviewTask.POSITIVE:
            bill = pay._create_bill(app, task.stage, only=code)
            if bill.is_settled and not app.connection_orders.filter(service__code=code).exists():
                issue._order(app, Service.objects.select_related("agency").get(code=code))
