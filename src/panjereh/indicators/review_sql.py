"""The review indicators as one SQL aggregate, so that a million decisions are summarised where they are
stored (PostGIS and SpatiaLite alike), not carried row by row into Python.

Working days come from a calendar the query joins: every Tehran date of the period with its Jalali month and
a running count of working days (``core.calendar``'s rules, read once in Python and passed as one JSON
parameter), so a task's working days are one subtraction. The median is the mean of the one or two middle
rows, the 90th percentile the ⌈0.9·n⌉-th: PostgreSQL's percentile_cont(0.5) and percentile_disc(0.9); on
SQLite, which has neither, window functions picking the same rows.
"""

import json

from django.db import connection

from panjereh.indicators.measures import DECIDED, WorkingDays, jalali_month

# Tehran's local date of a stored UTC moment. PostgreSQL knows the zone; SQLite does not, and Iran has kept
# UTC+3:30 all year since 1401 (2022): dates of older summers (+4:30 then) may fall a day early near midnight.
LOCAL_DATE = {"postgresql": "(({col}) AT TIME ZONE 'Asia/Tehran')::date",
              "sqlite": "date({col}, '+210 minutes')"}
CALENDAR = {"postgresql": "SELECT (e->>0)::date AS day, e->>1 AS month, (e->>2)::int AS wi "
                          "FROM jsonb_array_elements(%s::jsonb) AS e",
            "sqlite": "SELECT json_extract(value, '$[0]') AS day, json_extract(value, '$[1]') AS month, "
                      "json_extract(value, '$[2]') AS wi FROM json_each(%s)"}


def calendar_json(first, last) -> str:
    """[[date, Jalali month, running working-day count], …] for every date from ``first`` to ``last``."""
    import datetime

    counter = WorkingDays(first, last)
    days = (last - first).days + 1
    return json.dumps([[(first + datetime.timedelta(days=n)).isoformat(),
                        jalali_month(first + datetime.timedelta(days=n)), int(counter.cumulative[n])]
                       for n in range(days)])


def _period():
    """The first and last Tehran dates any decided task touches (None when there is none)."""
    import datetime

    local = LOCAL_DATE[connection.vendor]
    placeholders = ", ".join(["%s"] * len(DECIDED))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT MIN({local.format(col='created_at')}), MAX({local.format(col='decided_at')}) "
                       f"FROM permits_reviewtask WHERE decided_at IS NOT NULL AND status IN ({placeholders})",
                       list(DECIDED))
        first, last = cursor.fetchone()
    if first is None:
        return None
    as_date = (lambda v: v if isinstance(v, datetime.date) else datetime.date.fromisoformat(str(v)))
    return min(as_date(first), as_date(last)), max(as_date(first), as_date(last))


def _median(rank: str, value: str) -> str:
    return f"AVG(CASE WHEN {rank} IN ((n + 1) / 2, (n + 2) / 2) THEN {value} END)"


def review_cells() -> tuple[list[tuple], list[tuple]]:
    """(cells, reasons). cells: (agency, month, files, decisions, agency-days median, agency-days p90,
    calendar-days median, applicant-days median, within deadline, deemed, refused) per agency and Jalali month
    of the decision; reasons: (agency, month, reason number, refusals)."""
    period = _period()
    if period is None:
        return [], []
    vendor = connection.vendor
    local = LOCAL_DATE[vendor]
    placeholders = ", ".join(["%s"] * len(DECIDED))
    base = (f"WITH cal AS ({CALENDAR[vendor]}), "
            "waits AS (SELECT task_id, SUM(waited_working_days) AS w FROM permits_inforequest GROUP BY task_id), "
            "base AS (SELECT a.code AS agency, c2.month AS month, t.application_id AS app, t.status AS status, "
            "t.reason_id AS reason_id, "
            "CASE WHEN c2.wi - c1.wi - COALESCE(w.w, 0) > 0 THEN c2.wi - c1.wi - COALESCE(w.w, 0) ELSE 0 END "
            "AS agency_days, "
            "CAST(julianday(c2.day) - julianday(c1.day) AS INTEGER) AS calendar_days, "
            "COALESCE(w.w, 0) AS applicant_days, "
            "CASE WHEN c2.day <= t.due_date THEN 1 ELSE 0 END AS within "
            "FROM permits_reviewtask t JOIN agencies_agency a ON a.id = t.agency_id "
            f"JOIN cal c1 ON c1.day = {local.format(col='t.created_at')} "
            f"JOIN cal c2 ON c2.day = {local.format(col='t.decided_at')} "
            "LEFT JOIN waits w ON w.task_id = t.id "
            f"WHERE t.decided_at IS NOT NULL AND t.status IN ({placeholders})) ")
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
    reasons_sql = (f"WITH cal AS ({CALENDAR[vendor]}) "
                   "SELECT a.code, c2.month, r.number, COUNT(*) FROM permits_reviewtask t "
                   "JOIN agencies_agency a ON a.id = t.agency_id "
                   f"JOIN cal c1 ON c1.day = {local.format(col='t.created_at')} "
                   f"JOIN cal c2 ON c2.day = {local.format(col='t.decided_at')} "
                   "JOIN agencies_refusalreason r ON r.id = t.reason_id "
                   "WHERE t.decided_at IS NOT NULL AND t.status = 'rejected' "
                   "GROUP BY a.code, c2.month, r.number")
    calendar = calendar_json(*period)
    with connection.cursor() as cursor:
        cursor.execute(cells_sql, [calendar, *DECIDED])
        cells = cursor.fetchall()
        cursor.execute(reasons_sql, [calendar])
        reasons = cursor.fetchall()
    return cells, reasons
