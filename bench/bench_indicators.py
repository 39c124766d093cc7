"""Indicators benchmark: the review indicators over a million decided review tasks, as a ratio to a bare SQL
aggregate computing the same medians in the same run on the same database.

    .venv/bin/python bench/bench_indicators.py                      # SpatiaLite, var/bench_indicators.sqlite3
    DATABASE_URL=postgis://postgres@127.0.0.1/panjereh_bench .venv/bin/python bench/bench_indicators.py
    BENCH_TASKS=200000 .venv/bin/python bench/bench_indicators.py   # a smaller run

Reference: on PostgreSQL, percentile_cont(0.5) / percentile_disc(0.9) over the tasks joined to a calendar
table already in the database (written and analysed before the clock starts); on SQLite (no percentile functions), the same window-function query on a raw
cursor over that calendar table. Ours: ``measures.reviews_by_agency_month()`` as the dashboard calls it
(the period read, the calendar computed from core.calendar and compared with its table — rewritten when it
changed — the two queries, the cells built and suppressed).
Target (issue 13): ≤ 1.5×. The row-by-row Python computation is timed too, to show why it is not used.
"""

import datetime
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _django import setup  # noqa: E402

TASKS = int(os.environ.get("BENCH_TASKS", "1000000"))
RUNS = int(os.environ.get("BENCH_RUNS", "3"))
setup("bench_indicators.sqlite3")

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from panjereh.agencies import defaults  # noqa: E402
from panjereh.agencies.models import Agency, FeeSchedule, RefusalReason, Service  # noqa: E402
from panjereh.citymap.models import Parcel  # noqa: E402
from panjereh.core.calendar import TEHRAN  # noqa: E402
from panjereh.democity.build import build_demo_city  # noqa: E402
from panjereh.indicators import measures, review_sql  # noqa: E402
from panjereh.indicators.services import calendar_rows  # noqa: E402
from panjereh.permits.models import Applicant, Application, InfoRequest, ReviewTask  # noqa: E402

AGENCIES = ["municipality", "water", "power", "gas"]


def ensure_tasks():
    """TASKS decided review tasks over two years (4 per file), 10% with an information request."""
    call_command("migrate", "--noinput", verbosity=0)
    if ReviewTask.objects.count() >= TASKS:
        return
    t = time.perf_counter()
    defaults.load(Agency, Service)
    defaults.load_review_rules(Agency, RefusalReason, FeeSchedule)
    if not Parcel.objects.exists():
        build_demo_city(parcels=500, seed=1)
    ReviewTask.objects.all().delete()
    InfoRequest.objects.all().delete()
    Application.objects.all().delete()
    rng = random.Random(13)
    parcels = list(Parcel.objects.values_list("id", flat=True))
    person, _ = Applicant.objects.get_or_create(national_id="4608968882", defaults={"kind": "person", "name": "x",
                                                                                     "mobile": "09161234567"})
    agencies = {a.code: a for a in Agency.objects.filter(code__in=AGENCIES)}
    reasons = {a: RefusalReason.objects.filter(agency__code=a).first() for a in AGENCIES}
    start = datetime.datetime(2025, 3, 21, 9, tzinfo=TEHRAN)
    files = TASKS // len(AGENCIES)
    batch = 20000
    for first in range(0, files, batch):
        with transaction.atomic():
            apps = Application.objects.bulk_create([Application(
                tracking_code=f"B{n:010d}", parcel_id=parcels[n % len(parcels)], applicant=person, permit_type="new",
                land_use="residential", floors=2, units=2, gross_floor_area=200.0, status="issued")
                for n in range(first, min(files, first + batch))])
            tasks, asks = [], []
            for app in apps:
                given = start + datetime.timedelta(days=rng.randint(0, 700), hours=rng.randint(0, 8))
                for code in AGENCIES:
                    decided = given + datetime.timedelta(days=rng.randint(0, 40), hours=rng.randint(0, 6))
                    status = rng.choices(["approved", "approved_with_conditions", "rejected", "deemed_approved"],
                                         [80, 8, 4, 8])[0]
                    tasks.append(ReviewTask(application=app, agency=agencies[code], status=status,
                                            due_date=(given + datetime.timedelta(days=14)).date(), decided_at=decided,
                                            reason=reasons[code] if status == "rejected" else None))
            ReviewTask.objects.bulk_create(tasks)
            for task in tasks[::10]:
                asks.append(InfoRequest(task=task, question="?", asked_at=task.decided_at, answer="!",
                                        answered_at=task.decided_at, waited_working_days=rng.randint(1, 6)))
            InfoRequest.objects.bulk_create(asks)
        print(f"  {min(files, first + batch) * len(AGENCIES):,} tasks", end="\r", flush=True)
    # creation moments: a few days before each decision (one UPDATE, database-side)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("UPDATE permits_reviewtask SET created_at = decided_at - ((id % 30) || ' days')::interval")
        else:
            cursor.execute("UPDATE permits_reviewtask SET created_at = datetime(decided_at, '-' || (id % 30) || ' days')")
    print(f"built {ReviewTask.objects.count():,} tasks in {time.perf_counter() - t:.0f} s")


def reference_sql() -> str:
    """The bare aggregate: the calendar already a table (bench_cal, made here), the medians computed by the
    database. Returns the statement; run_reference times it."""
    first, last = review_sql._period()
    vendor = connection.vendor
    local = review_sql.LOCAL_DATE[vendor]
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_cal")
        cursor.execute("CREATE TABLE bench_cal (day date PRIMARY KEY, month varchar(7), wi integer)")
        cursor.executemany("INSERT INTO bench_cal VALUES (%s, %s, %s)", calendar_rows(first, last))
        cursor.execute("ANALYZE bench_cal")
        joined = (f"FROM permits_reviewtask t JOIN agencies_agency a ON a.id = t.agency_id "
                  f"JOIN bench_cal c1 ON c1.day = {local.format(col='t.created_at')} "
                  f"JOIN bench_cal c2 ON c2.day = {local.format(col='t.decided_at')} "
                  "LEFT JOIN (SELECT task_id, SUM(waited_working_days) AS w FROM permits_inforequest "
                  "GROUP BY task_id) w ON w.task_id = t.id WHERE t.decided_at IS NOT NULL "
                  "AND t.status IN ('approved', 'approved_with_conditions', 'rejected', 'deemed_approved')")
        if vendor == "postgresql":
            days = "GREATEST(c2.wi - c1.wi - COALESCE(w.w, 0), 0)"
            sql = (f"SELECT a.code, c2.month, COUNT(DISTINCT t.application_id), COUNT(*), "
                   f"percentile_cont(0.5) WITHIN GROUP (ORDER BY {days}), "
                   f"percentile_disc(0.9) WITHIN GROUP (ORDER BY {days}), "
                   "percentile_cont(0.5) WITHIN GROUP (ORDER BY c2.day - c1.day), "
                   "percentile_cont(0.5) WITHIN GROUP (ORDER BY COALESCE(w.w, 0)), "
                   "SUM(CASE WHEN c2.day <= t.due_date THEN 1 ELSE 0 END), "
                   "SUM(CASE WHEN t.status = 'deemed_approved' THEN 1 ELSE 0 END), "
                   f"SUM(CASE WHEN t.status = 'rejected' THEN 1 ELSE 0 END) {joined} GROUP BY a.code, c2.month")
        else:
            days = "MAX(c2.wi - c1.wi - COALESCE(w.w, 0), 0)"
            sql = (f"WITH base AS (SELECT a.code AS agency, c2.month AS month, t.application_id AS app, "
                   f"t.status AS status, {days} AS ad, CAST(julianday(c2.day) - julianday(c1.day) AS INTEGER) AS cd, "
                   f"COALESCE(w.w, 0) AS wd, CASE WHEN c2.day <= t.due_date THEN 1 ELSE 0 END AS within {joined}), "
                   "r AS (SELECT base.*, ROW_NUMBER() OVER (PARTITION BY agency, month ORDER BY ad) AS ra, "
                   "ROW_NUMBER() OVER (PARTITION BY agency, month ORDER BY cd) AS rc, "
                   "ROW_NUMBER() OVER (PARTITION BY agency, month ORDER BY wd) AS rw, "
                   "COUNT(*) OVER (PARTITION BY agency, month) AS n FROM base) "
                   "SELECT agency, month, COUNT(DISTINCT app), COUNT(*), "
                   "AVG(CASE WHEN ra IN ((n + 1) / 2, (n + 2) / 2) THEN ad END), "
                   "MAX(CASE WHEN ra = (9 * n + 9) / 10 THEN ad END), "
                   "AVG(CASE WHEN rc IN ((n + 1) / 2, (n + 2) / 2) THEN cd END), "
                   "AVG(CASE WHEN rw IN ((n + 1) / 2, (n + 2) / 2) THEN wd END), SUM(within), "
                   "SUM(CASE WHEN status = 'deemed_approved' THEN 1 ELSE 0 END), "
                   "SUM(CASE WHEN status = 'rejected' THEN 1 ELSE 0 END) FROM r GROUP BY agency, month")
    return sql


def run_reference(sql) -> tuple[float, list]:
    with connection.cursor() as cursor:
        t = time.perf_counter()
        cursor.execute(sql)
        rows = cursor.fetchall()
        return time.perf_counter() - t, rows


def ours_seconds():
    t = time.perf_counter()
    cells = measures.reviews_by_agency_month()
    return time.perf_counter() - t, cells


def main():
    import statistics

    ensure_tasks()
    n = ReviewTask.objects.count()
    sql = reference_sql()
    refs, ourses = [], []
    for r in range(RUNS):  # ours and the reference in turn, the order alternating, so both see the same machine
        for name in (("bare", "ours") if r % 2 == 0 else ("ours", "bare")):
            if name == "bare":
                seconds, ref_rows = run_reference(sql)
                refs.append(seconds)
            else:
                seconds, cells = ours_seconds()
                ourses.append(seconds)
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_cal")
    ref, ours = statistics.median(refs), statistics.median(ourses)
    ratios = [o / b for o, b in zip(ourses, refs)]
    # the same figures: every published cell's medians equal the reference's
    reference = {(r[0], r[1]): r for r in ref_rows}
    for cell in cells:
        if not cell["suppressed"]:
            r = reference[(cell["agency"], cell["month"])]
            assert cell["decisions"] == r[3] and cell["agency_days_median"] == float(r[4]), (cell, r)
            assert cell["agency_days_p90"] == float(r[5]) and cell["calendar_days_median"] == float(r[6]), (cell, r)
    print(f"database: {connection.vendor}; decided review tasks: {n:,}; cells: {len(cells)} (all equal the reference)")
    print(f"review indicators   ours {ours:8.2f} s | bare SQL aggregate {ref:8.2f} s | ratio "
          f"{statistics.median(ratios):.2f} ({min(ratios):.2f}–{max(ratios):.2f}; {RUNS} runs, interleaved; "
          "target ≤ 1.5)")
    t = time.perf_counter()
    rows = measures.review_rows()
    python_rows = time.perf_counter() - t
    t = time.perf_counter()
    measures.reviews_by_agency_month(rows)
    print(f"row by row in Python (not used) {python_rows + time.perf_counter() - t:8.2f} s | ratio "
          f"{(python_rows + time.perf_counter() - t) / ref:.2f}")
    t = time.perf_counter()
    measures.all_indicators()
    print(f"all indicators (reviews, permits, connections) {time.perf_counter() - t:8.2f} s")


if __name__ == "__main__":
    main()
