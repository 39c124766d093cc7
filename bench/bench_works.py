"""Works benchmark: conflict detection for BENCH_WORKS works (default 10,000) on the demo city, as a ratio to a
bare spatio-temporal self-join of the same pairs in the same run on the same database.

    .venv/bin/python bench/bench_works.py                               # SpatiaLite, var/bench_works.sqlite3
    DATABASE_URL=postgis://postgres@127.0.0.1/panjereh_bench .venv/bin/python bench/bench_works.py
    BENCH_PARCELS=300000 BENCH_WORKS=10000 .venv/bin/python bench/bench_works.py

Reference: a bare self-join written in this file (not our works module), on a raw cursor — works of different agencies within 30 m (the spatial index),
dates within the window, a common street — returning the pairs. Ours: the detection as the service calls it
(``works.queries.conflict_pairs``), and ``works.services.find_all_conflicts()`` which also records every new
pair with both agencies' outbox events in one transaction (shown apart: that is writing, not detecting).
The pair sets are compared. Target (issue 12): detection ≤ 1.5×.
"""

import datetime
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _django import setup  # noqa: E402

PARCELS = int(os.environ.get("BENCH_PARCELS", "30000"))
WORKS = int(os.environ.get("BENCH_WORKS", "10000"))
RUNS = int(os.environ.get("BENCH_RUNS", "3"))
setup("bench_works.sqlite3")

import shapely  # noqa: E402
from django.contrib.gis.geos import GEOSGeometry  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from panjereh.agencies import defaults  # noqa: E402
from panjereh.agencies.models import Agency, FeeSchedule, RefusalReason, Service  # noqa: E402
from panjereh.citymap.models import Feature, Layer  # noqa: E402
from panjereh.core.models import OutboxEvent  # noqa: E402
from panjereh.democity.build import build_demo_city  # noqa: E402
from panjereh.democity.models import DemoBuild  # noqa: E402
from panjereh.works import queries, services  # noqa: E402
from panjereh.works.models import Works, WorksConflict  # noqa: E402
from panjereh.works.rules import rules  # noqa: E402


def ensure_works():
    call_command("migrate", "--noinput", verbosity=0)
    build = DemoBuild.objects.first()
    if build is None or build.parcels != PARCELS:
        t = time.perf_counter()
        defaults.load(Agency, Service)
        defaults.load_review_rules(Agency, RefusalReason, FeeSchedule)
        build_demo_city(parcels=PARCELS, seed=1405, replace=True)
        Works.objects.all().delete()
        print(f"built the demo city ({PARCELS:,} parcels) in {time.perf_counter() - t:.0f} s")
    if Works.objects.count() == WORKS:
        return
    WorksConflict.objects.all().delete()
    Works.objects.all().delete()
    t = time.perf_counter()
    rng = random.Random(12)
    streets = Layer.objects.get(code="streets")
    segments = [(shapely.from_wkb(bytes(g.wkb)), a["name_fa"]) for g, a in
                Feature.objects.filter(version=streets.current_version).values_list("geom", "attrs")]
    agencies = list(Agency.objects.filter(code__in=["water", "gas", "power", "telecom", "municipality"]))
    start = datetime.date(2027, 1, 1)
    rows = []
    for n in range(WORKS):
        line, name = segments[rng.randrange(len(segments))]
        a, b = sorted((rng.random(), rng.random()))
        piece = shapely.LineString([line.interpolate(a, normalized=True), line.interpolate(max(b, a + 0.05),
                                                                                           normalized=True)])
        trench = piece.offset_curve(rng.uniform(-6, 6))
        begin = start + datetime.timedelta(days=rng.randint(0, 900))
        rows.append(Works(agency=rng.choice(agencies), reference=f"B-{n}", title="bench",
                          geom=GEOSGeometry(shapely.to_wkb(trench, hex=True), srid=32639), streets=[name],
                          start_date=begin, end_date=begin + datetime.timedelta(days=rng.randint(1, 60))))
    with transaction.atomic():
        Works.objects.bulk_create(rows, batch_size=2000)
    print(f"made {WORKS:,} works in {time.perf_counter() - t:.0f} s")


# The works a conflict can be between, as the works rules define them (planned to in progress).
LIVE = ("planned", "applied", "permitted", "deemed_permitted", "in_progress")


def bare_self_join_sql() -> str:
    """The reference, written here and not by our works module: the self-join a database engineer would write
    for "works of different agencies within the distance, their dates within the window, on a common street"
    — PostGIS: ST_DWithin on the GiST index and jsonb's ?| for the common street; SpatiaLite: its SpatialIndex
    for the box grown by the distance, then ST_Distance, and json_each."""
    live = ", ".join(f"'{s}'" for s in LIVE)
    if connection.vendor == "postgresql":
        return ("SELECT a.id, b.id FROM works_works a JOIN works_works b ON a.id < b.id "
                "AND a.agency_id <> b.agency_id AND ST_DWithin(a.geom, b.geom, %(d)s) "
                f"WHERE a.status IN ({live}) AND b.status IN ({live}) "
                "AND b.start_date <= a.end_date + %(w)s AND b.end_date >= a.start_date - %(w)s "
                "AND a.streets::jsonb ?| ARRAY(SELECT jsonb_array_elements_text(b.streets::jsonb))")
    return ("SELECT a.id, b.id FROM works_works a JOIN works_works b ON a.id < b.id "
            "AND a.agency_id <> b.agency_id AND b.ROWID IN (SELECT ROWID FROM SpatialIndex WHERE "
            "f_table_name = 'works_works' AND f_geometry_column = 'geom' "
            "AND search_frame = BuildMbr(MbrMinX(a.geom) - %(d)s, MbrMinY(a.geom) - %(d)s, "
            "MbrMaxX(a.geom) + %(d)s, MbrMaxY(a.geom) + %(d)s)) "
            f"WHERE a.status IN ({live}) AND b.status IN ({live}) "
            "AND julianday(b.start_date) <= julianday(a.end_date) + %(w)s "
            "AND julianday(b.end_date) >= julianday(a.start_date) - %(w)s "
            "AND ST_Distance(a.geom, b.geom) <= %(d)s "
            "AND EXISTS (SELECT 1 FROM json_each(a.streets) x, json_each(b.streets) y WHERE x.value = y.value)")


def reference():
    """Seconds of the bare self-join and its pairs."""
    conf = rules()
    with connection.cursor() as cursor:
        t = time.perf_counter()
        cursor.execute(bare_self_join_sql(), {"d": conf["conflict_distance_m"], "w": conf["conflict_window_days"]})
        pairs = {(a, b) for a, b in cursor.fetchall()}
        return time.perf_counter() - t, pairs


def detection():
    """Our detection alone: works.queries.conflict_pairs, as find_all_conflicts calls it."""
    conf = rules()
    t = time.perf_counter()
    pairs = queries.conflict_pairs(conf["conflict_distance_m"], conf["conflict_window_days"])
    return time.perf_counter() - t, {(a, b) for a, b, _d, _g in pairs}


def ours():
    """find_all_conflicts from nothing recorded: detection and the recording of every pair with its events."""
    with transaction.atomic():
        WorksConflict.objects.all().delete()
        OutboxEvent.objects.filter(event_type="works.conflict").delete()
    t = time.perf_counter()
    found = services.find_all_conflicts()
    return time.perf_counter() - t, found, set(WorksConflict.objects.values_list("first_id", "second_id"))


def main():
    import statistics

    ensure_works()
    times = {"bare": [], "detection": [], "recording": []}
    for r in range(RUNS):  # the three in turn, the order rotating, so all see the same machine
        for name in ["bare", "detection", "recording"][r % 3:] + ["bare", "detection", "recording"][:r % 3]:
            if name == "bare":
                seconds, ref_pairs = reference()
            elif name == "detection":
                seconds, detected = detection()
            else:
                seconds, found, pairs = ours()
            times[name].append(seconds)
    assert pairs == ref_pairs == detected, (len(pairs), len(ref_pairs), len(detected))
    events = OutboxEvent.objects.filter(event_type="works.conflict").count()
    print(f"database: {connection.vendor}; works: {Works.objects.count():,}; conflicts: {found:,} "
          f"(the same pairs as the bare self-join; {events:,} outbox events); {RUNS} rounds, interleaved")

    def ratio(name):
        values = [o / b for o, b in zip(times[name], times["bare"])]
        return (f"{statistics.median(times[name]):7.2f} s | bare self-join {statistics.median(times['bare']):7.2f} s"
                f" | ratio {statistics.median(values):.2f} ({min(values):.2f}–{max(values):.2f})")
    print(f"conflict detection          ours {ratio('detection')} (target ≤ 1.5)")
    print(f"detection + recording (conflicts and both agencies' events, one transaction) {ratio('recording')}")

if __name__ == "__main__":
    main()
