"""Conflicts between agencies' works as one spatio-temporal self-join in the database: pairs of live works of
different agencies within a distance, on a common street, whose dates overlap or fall within a window.
PostGIS uses its GiST index through ST_DWithin; SpatiaLite its R*Tree through the SpatialIndex table."""

import datetime

from django.db import connection

LIVE = ("planned", "applied", "permitted", "deemed_permitted", "in_progress")


def conflict_pairs_sql() -> str:
    """The self-join; parameters: conflict_params(). Rows: (first id, second id,
    distance in metres, gap in days)."""
    live = ", ".join(f"'{s}'" for s in LIVE)
    if connection.vendor == "postgresql":
        near = "ST_DWithin(a.geom, b.geom, %s)"
        common = ("EXISTS (SELECT 1 FROM jsonb_array_elements_text(a.streets::jsonb) x "
                  "JOIN jsonb_array_elements_text(b.streets::jsonb) y ON x = y)")
        window = ("b.start_date <= a.end_date + %s * INTERVAL '1 day' "
                  "AND b.end_date >= a.start_date - %s * INTERVAL '1 day'")
        gap = "GREATEST(0, b.start_date - a.end_date, a.start_date - b.end_date)"
    else:
        # the index searched with the works' box grown by the distance (BuildMbr), not a buffer polygon built
        # for every works only to take its box: the same candidates, a third less time (bench/bench_works.py)
        near = ("b.id IN (SELECT ROWID FROM SpatialIndex WHERE f_table_name = 'works_works' "
                "AND f_geometry_column = 'geom' AND search_frame = BuildMbr(MbrMinX(a.geom) - %s, "
                "MbrMinY(a.geom) - %s, MbrMaxX(a.geom) + %s, MbrMaxY(a.geom) + %s))")
        common = ("EXISTS (SELECT 1 FROM json_each(a.streets) x JOIN json_each(b.streets) y "
                  "ON x.value = y.value)")
        window = ("julianday(b.start_date) <= julianday(a.end_date) + %s "
                  "AND julianday(b.end_date) >= julianday(a.start_date) - %s")
        gap = ("MAX(0, CAST(julianday(b.start_date) - julianday(a.end_date) AS INTEGER), "
               "CAST(julianday(a.start_date) - julianday(b.end_date) AS INTEGER))")
    return (f"SELECT a.id, b.id, ST_Distance(a.geom, b.geom), {gap} FROM works_works a JOIN works_works b "
            f"ON a.id < b.id AND a.agency_id <> b.agency_id AND {near} "
            f"WHERE a.status IN ({live}) AND b.status IN ({live}) AND {window} "
            f"AND ST_Distance(a.geom, b.geom) <= %s AND {common}")


def conflict_params(distance_m: float, window_days: int) -> list:
    """The parameters of conflict_pairs_sql(), in order."""
    near = [distance_m] if connection.vendor == "postgresql" else [distance_m] * 4
    return [*near, window_days, window_days, distance_m]


def conflict_pairs(distance_m: float, window_days: int) -> list[tuple[int, int, float, int]]:
    """Every conflicting pair of live works, as (first id, second id, distance, gap days)."""
    with connection.cursor() as cursor:
        cursor.execute(conflict_pairs_sql(), conflict_params(distance_m, window_days))
        return [(int(a), int(b), float(d), int(g)) for a, b, d, g in cursor.fetchall()]


# the periods the coordination page and the map offer: days ahead of today (None: all)
PERIODS = {"today": 0, "month": 30, "year": 365, "all": None}


def in_period(qs, period: str, today: datetime.date):
    """The works of ``qs`` that occupy the street at some time from today to the period's end."""
    days = PERIODS.get(period, 30)
    if days is None:
        return qs
    return qs.filter(start_date__lte=today + datetime.timedelta(days=days), end_date__gte=today)
