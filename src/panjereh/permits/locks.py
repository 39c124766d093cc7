"""The one lock order of the single window, kept by these helpers (Saleor's ``lock_objects`` is the model).

Every service that changes a file locks, in this order and only in this order:

1. the parcel (opening a file: one open file per parcel and permit type);
2. the applicant (files from home: a limit per person);
3. the application — the serialising lock: whatever else a service touches of the file, it touches under it;
4. its review tasks, in id order, each row alone (``of=self``: a join would lock the agency's row too, and
   every write naming the agency checks its foreign key on that row);
5. a task's open question;
6. a payment, then its bill (``billing/locks.py``: the gateway's return knows the payment; a cash payment
   makes its row under the bill's lock, so no two paths meet the other way round);
7. the permit counter of the year;
8. a connection order (its row alone: with its agency joined, the agency's row would be locked too).

Two services that lock in one order cannot deadlock each other; a service that must wait, waits on the
application. ``tests/ops/test_locks.py`` races a refusal against the deadline pass on PostgreSQL. An agency's
street-works bill has no application: its services lock the bill first (step 6)."""

from django.db.models import QuerySet

from panjereh.billing import locks as billing_locks
from panjereh.billing.models import Bill
from panjereh.citymap.models import Parcel
from panjereh.permits.models import Applicant, Application, ConnectionOrder, InfoRequest, PermitCounter, ReviewTask


def parcel(pk: int) -> None:
    """Step 1: the parcel's row (nothing of it is read: the lock is the point)."""
    Parcel.objects.select_for_update().filter(pk=pk).first()


def applicant(national_id: str) -> None:
    """Step 2: the applicant's row, by national ID (two tabs of one person at once)."""
    Applicant.objects.select_for_update().filter(national_id=national_id).first()


def application(pk: int) -> Application:
    """Step 3: the application, read under its lock (the row as it is now, not as the caller last saw it)."""
    return Application.objects.select_for_update().get(pk=pk)


def tasks(application_id: int, **filters) -> QuerySet:
    """Step 4: the file's review tasks matching ``filters``, each locked alone, in id order."""
    return ReviewTask.objects.select_for_update(of=("self",)).filter(application_id=application_id, **filters) \
        .order_by("id")


def task(pk: int) -> ReviewTask:
    """Step 4 for one task known by its id (the deadline pass): the task row alone, with its agency and file read."""
    return ReviewTask.objects.select_for_update(of=("self",)).select_related("agency", "application").get(pk=pk)


def open_question(task_id: int) -> InfoRequest | None:
    """Step 5: the task's unanswered question, if any."""
    return InfoRequest.objects.select_for_update().filter(task_id=task_id, answered_at__isnull=True).first()


def permit_counter(city_id: int, year: int) -> PermitCounter:
    """Step 7: the city's permit counter of the year."""
    return PermitCounter.objects.select_for_update().get(city_id=city_id, year=year)


def connection_order(application_id: int, service_code: str) -> ConnectionOrder | None:
    """Step 8: the file's connection order for a service, its row alone (its agency read, not locked)."""
    return ConnectionOrder.objects.select_for_update(of=("self",)).select_related("agency", "service") \
        .filter(application_id=application_id, service__code=service_code).first()


def open_bill(application_id: int) -> Bill | None:
    """Step 6 for a file: its first unsettled bill (billing's lock, taken under the application's)."""
    return billing_locks.open_bill(application_id)
