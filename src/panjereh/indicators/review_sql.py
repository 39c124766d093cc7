"""The review indicators as one SQL aggregate, so that a million decisions are summarised where they are
stored (PostGIS and SpatiaLite alike), not carried row by row into Python.

Working days come from a calendar the query joins: every Tehran date of the period with its Jalali month and
a running count of working days (``core.calendar``'s rules, computed in Python and kept in the table
``indicators_calendarday``, refreshed before each run), so a task's working days are one subtraction. A table,
not a parameter: PostgreSQL plans a join to a table it has statistics of, and runs it in parallel, which it
does not do over a calendar unpacked from JSON in a CTE (4.5 s against 2.6 s for a million tasks).
The median is the mean of the one or two middle
rows, the 90th percentile the ⌈0.9·n⌉-th: PostgreSQL's percentile_cont(0.5) and percentile_disc(0.9); on
SQLite, which has neither, window functions picking the same rows.
"""

from django.db import connection

from panjereh.indicators.measures import DECIDED
from panjereh.indicators.services import refresh_calendar

# Tehran's local date of a stored UTC moment. PostgreSQL knows the zone; SQLite does not, and Iran has kept
# UTC+3:30 all year since 1401 (2022): dates of older summers (+4:30 then) may fall a day early near midnight.
LOCAL_DATE = {"postgresql": "(({col}) AT TIME ZONE 'Asia/Tehran')::date",
              "sqlite": "date({col}, '+210 minutes')"}
CALENDAR = "indicators_calendarday"
WORKING = "c2.working_index - c1.working_index - COALESCE(w.w, 0)"  # the agency's working days on a task


def _period():
    """Tehran dates covering every decided task's creation and decision (None when nothing was decided): the
    first and last moments of both columns, each read off its index (migration permits 0014) rather than by
    scanning a million tasks; undecided tasks may widen the calendar a little, which changes no figure."""
    import datetime

    local = LOCAL_DATE[connection.vendor]
    ends = [local.format(col=f"(SELECT {end}({col}) FROM permits_reviewtask)")
            for col in ("created_at", "decided_at") for end in ("MIN", "MAX")]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(ends)}")
        row = cursor.fetchone()
    if row[3] is None:  # no decision at all
        return None
    dates = [v if isinstance(v, datetime.date) else datetime.date.fromisoformat(str(v)) for v in row if v]
    return min(dates), max(dates)


def _median(rank: str, value: str) -> str:
    return f"AVG(CASE WHEN {rank} IN ((n + 1) / 2, (n + 2) / 2) THEN {value} END)"


def review_cells(city: int | None = None) -> tuple[list[tuple], list[tuple]]:
    """(cells, reasons). cells: (agency, month, files, decisions, agency-days median, agency-days p90,
    calendar-days median, applicant-days median, within deadline, deemed, refused) per agency and Jalali month
    of the decision; reasons: (agency, month, reason number, refusals). Of one city's files when ``city`` is given
(the calendar stays every city's: a closure of one city alone is counted by the Python measures, not here)."""
    period = _period()
    if period is None:
        return [], []
    vendor = connection.vendor
    local = LOCAL_DATE[vendor]
    placeholders = ", ".join(["%s"] * len(DECIDED))
    # a city's own figures: its files' tasks (the id is an integer of ours, bound as a parameter)
    of_city = "" if city is None else " AND t.application_id IN (SELECT id FROM permits_application WHERE city_id = %s)"
    city_params = [] if city is None else [int(city)]
    base = ("WITH waits AS (SELECT task_id, SUM(waited_working_days) AS w FROM permits_inforequest GROUP BY task_id), "
            "base AS (SELECT a.code AS agency, c2.month AS month, t.application_id AS app, t.status AS status, "
            "t.reason_id AS reason_id, "
            f"CASE WHEN {WORKING} > 0 THEN {WORKING} ELSE 0 END AS agency_days, "
            "CAST(julianday(c2.day) - julianday(c1.day) AS INTEGER) AS calendar_days, "
            "COALESCE(w.w, 0) AS applicant_days, "
            "CASE WHEN c2.day <= t.due_date THEN 1 ELSE 0 END AS within "
            "FROM permits_reviewtask t JOIN agencies_agency a ON a.id = t.agency_id "
            f"JOIN {CALENDAR} c1 ON c1.day = {local.format(col='t.created_at')} "
            f"JOIN {CALENDAR} c2 ON c2.day = {local.format(col='t.decided_at')} "
            "LEFT JOIN waits w ON w.task_id = t.id "
            f"WHERE t.decided_at IS NOT NULL AND t.status IN ({placeholders}){of_city}) ")
    if vendor == "postgresql":  # date arithmetic: PostgreSQL subtracts dates, SQLite goes through julianday()
        base = base.replace("CAST(julianday(c2.day) - julianday(c1.day) AS INTEGER)", "(c2.day - c1.day)")
    cells_sql = base + (
        ", ranked AS (SELECT base.*, "
        "ROW_NUMBER() OVER (PARTITION BY agency, month ORDER BY agency_days) AS ra, "
        "ROW_NUMBER() OVER (PARTITION BY agency, month ORDER BY calendar_days) AS rc, "
        "ROW_NUMBER() OVER (PARTITION BY agency, month ORDER BY applicant_days) AS rw, "
        "COUNT(*) OVER (PARTITION BY agency, month) AS n FROM base) "
        "SELECT agency, month, COUNT(DISTINCT app), COUNT(*), "
        f"{_median('ra', 'agency_days')}, MAX(CASE WHEN ra = (9 * n + 9) / 10 THEN agency_days END), "
        f"{_median('rc', 'calendar_days')}, {_median('rw', 'applicant_days')}, "
        "SUM(within), SUM(CASE WHEN status = 'deemed_approved' THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN status = 'rejected' THEN 1 ELSE 0 END) "
        "FROM ranked GROUP BY agency, month ORDER BY agency, month")
    if vendor == "postgresql":  # PostgreSQL's ordered-set aggregates are faster than the window functions
        cells_sql = base + (
            "SELECT agency, month, COUNT(DISTINCT app), COUNT(*), "
            "percentile_cont(0.5) WITHIN GROUP (ORDER BY agency_days), "
            "percentile_disc(0.9) WITHIN GROUP (ORDER BY agency_days), "
            "percentile_cont(0.5) WITHIN GROUP (ORDER BY calendar_days), "
            "percentile_cont(0.5) WITHIN GROUP (ORDER BY applicant_days), SUM(within), "
            "SUM(CASE WHEN status = 'deemed_approved' THEN 1 ELSE 0 END), "
            "SUM(CASE WHEN status = 'rejected' THEN 1 ELSE 0 END) FROM base GROUP BY agency, month "
            "ORDER BY agency, month")
    # The refusals by reason need only the refused tasks, their decision's month and their reason: not the
    # information-request waits over every task, which the cells' query aggregates (at a million tasks the
    # reasons' query took as long as the cells' one when it re-used the cells' base).
    reasons_sql = ("SELECT a.code, c2.month, r.number, COUNT(*) FROM permits_reviewtask t "
                   "JOIN agencies_agency a ON a.id = t.agency_id "
                   f"JOIN {CALENDAR} c1 ON c1.day = {local.format(col='t.created_at')} "
                   f"JOIN {CALENDAR} c2 ON c2.day = {local.format(col='t.decided_at')} "
                   "JOIN agencies_refusalreason r ON r.id = t.reason_id "
                   f"WHERE t.decided_at IS NOT NULL AND t.status = 'rejected'{of_city} "
                   "GROUP BY a.code, c2.month, r.number")
    refresh_calendar(*period)
    with connection.cursor() as cursor:
        cursor.execute(cells_sql, list(DECIDED) + city_params)
        cells = cursor.fetchall()
        cursor.execute(reasons_sql, city_params or None)
        reasons = cursor.fetchall()
    return cells, reasons
