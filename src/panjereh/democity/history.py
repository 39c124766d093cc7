"""Months of files for the demo city, so that the indicators have something true to show on a fresh demo.

Every file goes through the real services (submission at a counter or from home, decisions, information asked
and answered, refusals and resubmissions, appeals of a refusal, cash payment, permit, connection orders and
installations, complaints, the building's phases reported by its supervising engineer and inspected by the
municipality, completion); then its moments are set back
to when it "happened", following each agency's habits: the power company is often late, the water company
quick, a share of files asks the applicant for information, some are refused and come back. Heat closures
in summer are declared as closure days. Deterministic by seed. Demo databases only.
"""

import datetime
import random

from django.contrib.auth import get_user_model
from django.utils import timezone

from panjereh.billing.models import Bill, LedgerEntry, Payment
from panjereh.citymap.models import Parcel
from panjereh.core import service_tx
from panjereh.core.calendar import TEHRAN, add_working_days, local_date
from panjereh.core.models import ClosureDay
from panjereh.democity.photos import site_photo
from panjereh.permits import pdf, services
from panjereh.permits import risk
from panjereh.permits.models import (Appeal, Application, BuildingInspection, CompletionCertificate, Complaint,
                                     ConnectionOrder, Engineer, InfoRequest, PhaseReport, Permit, ReviewTask,
                                     TariffChange)
from panjereh.permits.required_documents import required_documents
from panjereh.works.connections import raise_trenches
from panjereh.works.models import ExcavationPermit, Works

# agency → (typical working days to decide, spread): power is the one that is often late
HABITS = {"municipality": (9, 3), "water": (5, 2), "power": (11, 5), "gas": (6, 2), "telecom": (4, 2)}
SERVICES = {"water": {"timing": "now", "size": {"diameter_mm": 20}}, "sewer": {"timing": "now", "size": {}},
            "power": {"timing": "now", "size": {"phases": 1, "kw": 10}},
            "gas": {"timing": "not_needed", "size": {}}, "telecom": {"timing": "not_needed", "size": {}}}


def _moment(day: datetime.date, hour: int) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=TEHRAN)


def _declare_heat_closures(first: datetime.date, last: datetime.date, rng: random.Random) -> int:
    """A few summer days closed by the province for heat (Tir and Mordad), as Khuzestan's offices are."""
    import jdatetime

    made = 0
    for year in range(jdatetime.date.fromgregorian(date=first).year, jdatetime.date.fromgregorian(date=last).year + 1):
        for _ in range(3):
            day = jdatetime.date(year, rng.choice([4, 5]), rng.randint(1, 31)).togregorian()
            if first <= day <= last:
                _, created = ClosureDay.objects.get_or_create(date=day, city=None, defaults={
                    "reason_fa": "تعطیلی به سبب گرما", "reason_en": "closed for the heat"})
                made += created
    return made


def build_history(*, months: int = 12, per_month: int = 30, seed: int = 1405, progress=None) -> dict:
    """Make ``per_month`` files in each of the last ``months`` months (ending a month ago); returns counts."""
    rng = random.Random(seed)
    users = {u.username: u for u in get_user_model().objects.filter(username__in=[
        "operator1", "signer", *(f"reviewer.{a}" for a in HABITS)])}
    today = local_date(timezone.now())
    first = today - datetime.timedelta(days=30 * (months + 1))
    _declare_heat_closures(first, today, rng)
    busy = Application.objects.values("parcel_id")
    parcels = list(Parcel.objects.filter(land_use="residential").exclude(pk__in=busy)
                   .order_by("id").values_list("id", flat=True)[:months * per_month * 3])
    rng.shuffle(parcels)
    counts = {"files": 0, "refused": 0, "info_requests": 0, "installed": 0, "skipped": 0, "deemed": 0,
              "online": 0, "appeals": 0, "complaints": 0, "phase_reports": 0, "inspections": 0, "completed": 0}
    with pdf.rendered_on_request():  # past papers are rendered when someone opens them, not all at set-up
        _files(months, per_month, first, parcels, rng, users, counts, services, progress)
    counts["works_today"] = _trenches_in_their_time(rng, today)
    return counts


def _booked_on(app, moment) -> None:
    """The file's payment, its bill and the agencies' ledger lines dated when the counter took it (the services
    stamp them now, as the history is made)."""
    Payment.objects.filter(bill__application=app).update(created_at=moment, settled_at=moment)
    Bill.objects.filter(application=app).update(settled_at=moment)
    LedgerEntry.objects.filter(payment__bill__application=app).update(booked_at=moment)


def _trenches_in_their_time(rng, today) -> int:
    """The connection trenches the permits raised, moved to when they were dug: a few days to weeks after
    their order, for a few days each — finished, under way today, or still to come, with their excavation
    permits granted. Returns how many are under way today (what the WZDx feed publishes now)."""
    under_way = 0
    for works in Works.objects.filter(connection_order__isnull=False).select_related("connection_order"):
        ordered = local_date(works.connection_order.created_at)
        start = ordered + datetime.timedelta(days=rng.randint(2, 45))
        end = start + datetime.timedelta(days=rng.randint(1, 20))
        status = (Works.Status.COMPLETED if end < today else Works.Status.IN_PROGRESS if start <= today
                  else Works.Status.PERMITTED)
        under_way += status == Works.Status.IN_PROGRESS
        Works.objects.filter(pk=works.pk).update(start_date=start, end_date=end, status=status)
        ExcavationPermit.objects.filter(works=works).update(
            status=ExcavationPermit.Status.GRANTED, applied_at=_moment(ordered, 10),
            decided_at=_moment(ordered + datetime.timedelta(days=1), 12),
            due_date=add_working_days(ordered, 5))
    return under_way


def _files(months, per_month, first, parcels, rng, users, counts, services, progress) -> None:
    """The files of every month, one transaction each (a file the map cannot serve is skipped)."""
    for m in range(months):
        month_start = first + datetime.timedelta(days=30 * m)
        for _ in range(per_month):
            if not parcels:
                break
            parcel = Parcel.objects.get(pk=parcels.pop())
            submitted = add_working_days(month_start, rng.randint(0, 18))
            try:
                with service_tx.composing():
                    outcome = _one_file(services, parcel, submitted, rng, users, counts,
                                        models=(Application, ConnectionOrder, InfoRequest, Permit, ReviewTask))
            except (services.ApplicationError, services.Conflict):
                counts["skipped"] += 1  # a parcel the map or the zoning cannot serve: not a file
                continue
            counts["files"] += outcome
            # the connection trenches, raised now rather than by the commit's hook (which a caller's own
            # transaction would hold back until after they are dated below); raising is idempotent
            for app in Application.objects.filter(parcel=parcel, connection_orders__isnull=False).distinct():
                raise_trenches(app)
            if progress:
                progress(1)


def _national_id(rng) -> str:
    """A made-up national ID with a valid check digit (DOMAIN.md's rule)."""
    body = f"{rng.randint(10**8, 10**9 - 1)}"
    remainder = sum(int(body[i]) * (10 - i) for i in range(9)) % 11
    return body + str(remainder if remainder < 2 else 11 - remainder)


ONLINE_SHARE = 0.35  # of the files, opened from home by their applicant (the rest at a counter office)


def _one_file(services, parcel, submitted, rng, users, counts, *, models) -> int:
    Application, ConnectionOrder, InfoRequest, Permit, ReviewTask = models
    online = rng.random() < ONLINE_SHARE
    engineer = rng.choice(ENGINEERS)
    app = services.submit_application(
        actor=None if online else users["operator1"], parcel=parcel,
        applicant={"kind": "person", "national_id": _national_id(rng),
                   "name": "متقاضی نمونه", "mobile": f"0916{rng.randint(10**6, 10**7 - 1)}"},
        permit={"permit_type": "new", "land_use": "residential", "floors": rng.choice([1, 2, 3]), "units": 2,
                "gross_floor_area": round(parcel.area_m2 * rng.uniform(0.8, 1.6)), "parking_spaces": 1,
                "supervisor_name": engineer[1], "supervisor_membership": engineer[0],
                "documents": required_documents("new")},  # the originals the counter saw
        services=SERVICES, **({"channel": "online", "identity_verified": True} if online else {}))
    counts["online"] += online
    Application.objects.filter(pk=app.pk).update(submitted_at=_moment(submitted, 9))
    day = submitted
    refused_once = False
    while True:
        last = day
        silent = []
        for task in list(app.tasks.filter(round=app.round, status="pending").select_related("agency")):
            typical, spread = HABITS[task.agency.code]
            if task.agency.silence_means_approval and rng.random() < 0.08:
                silent.append(task)  # this agency lets its deadline pass: approved by silence, below
                continue
            waited = 0
            if rng.random() < 0.12:  # the agency asks the applicant something first
                services.record_decision(actor=users[f"reviewer.{task.agency.code}"], application=app,
                                         agency_code=task.agency.code, decision="request_info",
                                         info_request="مدارک تکمیلی را بفرستید")
                services.answer_info_request(actor=users["operator1"], application=app,
                                             agency_code=task.agency.code, answer="ارسال شد")
                waited = rng.randint(2, 8)
                counts["info_requests"] += 1
            refuse = (task.agency.code == "power" and not refused_once and rng.random() < 0.06)
            services.record_decision(actor=users[f"reviewer.{task.agency.code}"], application=app,
                                     agency_code=task.agency.code, decision="reject" if refuse else "approve",
                                     reason_number=1 if refuse else None)
            decided = add_working_days(day, max(1, round(rng.gauss(typical, spread))) + waited)
            last = max(last, decided)
            ReviewTask.objects.filter(pk=task.pk).update(
                created_at=_moment(day, 9), decided_at=_moment(decided, 13),
                due_date=add_working_days(day, task.agency.review_days + waited))
            InfoRequest.objects.filter(task=task).update(asked_at=_moment(day, 11),
                                                         answered_at=_moment(add_working_days(day, waited), 10),
                                                         waited_working_days=waited)
            if refuse:
                refused_once = True
                counts["refused"] += 1
                break
        app.refresh_from_db()
        if silent and app.status != "rejected":
            # the deadline passes: the worker's deadline pass (process_deadlines) deems the task approved the
            # morning after, exactly as it does for a city's real files
            due = max(add_working_days(day, t.agency.review_days) for t in silent)
            for task in silent:
                ReviewTask.objects.filter(pk=task.pk).update(created_at=_moment(day, 9),
                                                             due_date=add_working_days(day, task.agency.review_days))
            services.process_deadlines(now=_moment(due + datetime.timedelta(days=1), 8))
            counts["deemed"] += len(silent)
            last = max(last, due + datetime.timedelta(days=1))
            app.refresh_from_db()
        if app.status != "rejected":
            break
        if rng.random() < 0.5:
            _appealed(app, last, rng, users, counts)
            return 1  # the applicant gave up (or appealed, and the commission left the refusal standing)
        # withdrawn tasks are stamped in the round they left; the amended file comes back a week later
        ReviewTask.objects.filter(application=app, status="withdrawn").update(
            created_at=_moment(day, 9), decided_at=_moment(last, 13))
        day = add_working_days(last, 5)
        app = services.resubmit_application(actor=users["operator1"], application=app, note="اصلاح شد")
    bill = services.open_bill(app)
    issued = add_working_days(last, rng.randint(1, 4))
    services.record_payment(actor=users["operator1"], application=app, provider="cash", amount=bill.total,
                            reference=f"H-{app.pk}")
    Permit.objects.filter(application=app).update(issued_at=_moment(issued, 12), signed_at=_moment(issued, 12))
    _booked_on(app, _moment(issued, 11))
    for order in ConnectionOrder.objects.filter(application=app).select_related("service", "agency"):
        ConnectionOrder.objects.filter(pk=order.pk).update(created_at=_moment(issued, 12))
        installed = issued + datetime.timedelta(days=rng.randint(5, 45))
        if installed < local_date(timezone.now()) and rng.random() < 0.85:
            services.record_connection_installed(application=app, agency_code=order.agency.code,
                                                 service_code=order.service.code,
                                                 subscription_number=f"{app.pk}{order.pk:04d}")
            ConnectionOrder.objects.filter(pk=order.pk).update(installed_at=_moment(installed, 10))
            counts["installed"] += 1
    if rng.random() < 0.1:
        _complained(app, issued, rng, users, counts)
    _built(app, issued, rng, users, counts)
    return 1


# the demo register's supervising engineers (membership, name) the files name (democity/people.py ENGINEERS)
ENGINEERS = [("20-310-01234", "مهندس کامران شریفی"), ("20-310-05678", "مهندس پریسا عباسی")]
# working days after the permit by which each phase is typically reported
PHASE_DAYS = {"foundation": 15, "frame": 45, "roof": 90, "completion": 150}


def _appealed(app, refused_on, rng, users, counts) -> None:
    """The applicant appeals the refusal from home; the commission decides it within its days and, in the
    history, leaves it standing (an upheld appeal would reopen the review, which the history does not walk)."""
    appeal = services.file_appeal(application=app, grounds="شبکه برق در خیابان مجاور ظرفیت دارد و پاسخ "
                                                           "شرکت برق با نقشه مشترک نمی‌خواند.")
    filed = add_working_days(refused_on, rng.randint(1, 5))
    decided = add_working_days(filed, rng.randint(2, 9))
    services.decide_appeal(actor=users["signer"], appeal=appeal, upheld=False,
                           note="پاسخ شرکت برق با بازدید محلی تأیید شد.")
    Appeal.objects.filter(pk=appeal.pk).update(filed_at=_moment(filed, 10), decided_at=_moment(decided, 12),
                                               due_date=add_working_days(filed, 10))
    counts["appeals"] += 1


def _complained(app, issued, rng, users, counts) -> None:
    """A customer's complaint about a connection, answered by the water company within its days."""
    complaint = services.file_complaint(application=app, agency_code="water", subject="connection",
                                        text="انشعاب آب هنوز نصب نشده و کسی پاسخ تلفن را نمی‌دهد.")
    filed = add_working_days(issued, rng.randint(10, 30))
    if filed >= local_date(timezone.now()):
        Complaint.objects.filter(pk=complaint.pk).update(filed_at=timezone.now())
    else:
        answered = add_working_days(filed, rng.randint(1, 6))
        services.answer_complaint(actor=users["reviewer.water"], complaint=complaint,
                                  answer="نصب در برنامهٔ هفتهٔ آینده است؛ مأمور پیش از آمدن تماس می‌گیرد.")
        Complaint.objects.filter(pk=complaint.pk).update(filed_at=_moment(filed, 9), answered_at=_moment(
            answered, 11), due_date=add_working_days(filed, 7))
    counts["complaints"] += 1


def _built(app, issued, rng, users, counts) -> None:
    """The building's phases as far as its age reaches: each reported with a photo by its supervising engineer
    when due, inspected by the municipality when the risk class draws it (and the completion phase always);
    a completed building's certificate signed. What is in the future stays unreported."""
    today = local_date(timezone.now())
    engineer = Engineer.objects.filter(membership=app.supervisor_membership).first()
    inspector = get_user_model().objects.filter(engineer__isnull=False, staff__agency__code="municipality").first()
    if engineer is None or inspector is None:
        return
    for phase in risk.PHASES:
        reported = add_working_days(issued, PHASE_DAYS[phase] + rng.randint(0, 20))
        if reported >= today:
            return
        report = services.report_phase(engineer=engineer, application=app, phase=phase, conforms=True,
                                       photos=[site_photo(rng, phase)])
        PhaseReport.objects.filter(pk=report.pk).update(reported_at=_moment(reported, 10))
        counts["phase_reports"] += 1
        for inspection in report.inspections.all():
            inspected = add_working_days(reported, rng.randint(1, 6))
            services.record_building_inspection(actor=inspector, inspection=inspection, passed=True)
            BuildingInspection.objects.filter(pk=inspection.pk).update(
                selected_at=_moment(reported, 10), inspected_at=_moment(inspected, 11),
                due_date=add_working_days(reported, 5))
            counts["inspections"] += 1
            reported = inspected
    completed = add_working_days(reported, rng.randint(1, 5))
    if completed >= today:
        return
    pending = services.uninstalled_connections(app)
    services.certify_completion(actor=users["signer"], application=app,
                                reason="انشعاب‌ها پس از سکونت نصب می‌شود" if pending else "")
    CompletionCertificate.objects.filter(application=app).update(issued_at=_moment(completed, 12))
    TariffChange.objects.filter(permit__application=app, cause="completion").update(effective_date=completed)
    counts["completed"] += 1
