"""Row locks under concurrency (PostgreSQL: SQLite has one writer and no row locks).

Found by the load test (bench/load, 200 users): reviewers of one agency deciding different files deadlocked
with the writes of other files, because locking a review task joined to its agency locked the agency's row
FOR UPDATE — and every insert that names the agency (tasks, events, bills) checks its foreign key with
FOR KEY SHARE on that row. A decision must lock its task only."""

import psycopg
import pytest
from django.db import connection, transaction

from panjereh.agencies.models import Agency
from panjereh.permits import services
from tests.permits.helpers import good_parcel, request_body


def _a_file(city):
    parcel = good_parcel(city)
    body = request_body(parcel)
    return services.submit_application(actor=None, parcel=parcel, applicant=body["applicant"],
                                       permit=body["permit"], services=body["services"])


@pytest.mark.django_db(transaction=True)
def test_a_decision_locks_its_task_not_the_agency(live_city):
    if connection.vendor != "postgresql":
        pytest.skip("row locks and deadlocks are PostgreSQL's; SQLite serialises writers")
    app = _a_file(live_city)
    water = Agency.objects.get(code="water")
    s = connection.settings_dict
    other = psycopg.connect(host=s["HOST"] or "127.0.0.1", port=s["PORT"] or 5432, user=s["USER"] or "postgres",
                            dbname=s["NAME"], autocommit=True)
    try:
        other.execute("SET lock_timeout = '2s'")
        with transaction.atomic():
            task = services._current_task(app, "water")  # what a decision holds until it commits
            assert task.agency_id == water.pk
            # another file's write naming the agency: its foreign-key check takes FOR KEY SHARE on the row
            other.execute("SELECT 1 FROM agencies_agency WHERE id = %s FOR KEY SHARE", [water.pk])
            # and the task itself stays locked against a second decision
            with pytest.raises(psycopg.errors.LockNotAvailable):
                other.execute("SELECT 1 FROM permits_reviewtask WHERE id = %s FOR UPDATE NOWAIT", [task.pk])
    finally:
        other.close()


@pytest.mark.django_db(transaction=True)
def test_the_deadline_pass_locks_in_the_order_decisions_do(live_city):
    """Issue 27 item 4: the deadline pass locked a late task joined with its agency and application — three rows
    in the database's order, the opposite of a refusal's (the application, then its tasks): the two could
    deadlock on PostgreSQL and abort the rest of the pass. Now: the application, then the task row alone."""
    import datetime

    from django.test.utils import CaptureQueriesContext

    from panjereh.permits.models import ReviewTask

    if connection.vendor != "postgresql":
        pytest.skip("row locks and deadlocks are PostgreSQL's; SQLite serialises writers")
    app = _a_file(live_city)
    ReviewTask.objects.filter(application=app, status="pending").update(
        due_date=datetime.date.today() - datetime.timedelta(days=30))
    with CaptureQueriesContext(connection) as queries:
        counts = services.process_deadlines()
    assert counts["deemed_approved"] + counts["escalated"] >= 1
    locks = [q["sql"] for q in queries.captured_queries if "FOR UPDATE" in q["sql"]]
    first_task = next(i for i, sql in enumerate(locks) if 'FROM "permits_reviewtask"' in sql)
    assert '"permits_application"' in locks[first_task - 1] and first_task >= 1  # the application first
    assert all('FOR UPDATE OF "permits_reviewtask"' in sql for sql in locks if 'FROM "permits_reviewtask"' in sql)


@pytest.mark.django_db(transaction=True)
def test_a_refusal_and_the_deadline_pass_racing_do_not_deadlock(live_city):
    """Issue 27 item 4, raced: a refusal holds the file (the application's row) and is about to withdraw the water
    task; the deadline pass, finding that task late, must wait on the application — holding nothing the refusal
    needs — and then find the task withdrawn. Before, the pass locked the task first: the refusal's write to it
    waited on the pass while the pass waited on the application, and PostgreSQL killed one of them."""
    import datetime
    import threading

    from django.db import connections

    from panjereh.permits.models import ReviewTask

    if connection.vendor != "postgresql":
        pytest.skip("row locks and deadlocks are PostgreSQL's; SQLite serialises writers")
    app = _a_file(live_city)
    water = ReviewTask.objects.get(application=app, agency__code="water", status="pending")
    ReviewTask.objects.filter(pk=water.pk).update(due_date=datetime.date.today() - datetime.timedelta(days=30))
    s = connection.settings_dict
    refusal = psycopg.connect(host=s["HOST"] or "127.0.0.1", port=s["PORT"] or 5432, user=s["USER"] or "postgres",
                              dbname=s["NAME"])
    result = {}

    def deadline_pass():
        try:
            result["counts"] = services.process_deadlines()
        except Exception as exc:  # noqa: BLE001 — the assertion below names it
            result["error"] = exc
        finally:
            connections.close_all()

    try:
        refusal.execute("SET lock_timeout = '5s'")
        refusal.execute("SELECT 1 FROM permits_application WHERE id = %s FOR UPDATE", [app.pk])  # the file held
        racer = threading.Thread(target=deadline_pass)
        racer.start()
        waited = 0.0
        while waited < 10:  # until the pass waits on the application's lock
            racer.join(0.1)
            waited += 0.1
            row = refusal.execute("SELECT count(*) FROM pg_locks WHERE NOT granted AND relation = "
                                  "'permits_application'::regclass").fetchone()
            if row[0]:
                break
        assert racer.is_alive(), "the deadline pass did not wait for the file the refusal holds"
        # the refusal goes on: its write to the task is not blocked by the waiting pass
        refusal.execute("SELECT 1 FROM permits_reviewtask WHERE id = %s FOR UPDATE NOWAIT", [water.pk])
        refusal.execute("UPDATE permits_reviewtask SET status = 'withdrawn' WHERE id = %s", [water.pk])
        refusal.commit()
        racer.join(30)
    finally:
        refusal.close()
    assert "error" not in result, result.get("error")
    assert ReviewTask.objects.get(pk=water.pk).status == "withdrawn"  # not deemed approved behind the refusal
    assert ReviewTask.objects.get(pk=water.pk).overdue_at is None
