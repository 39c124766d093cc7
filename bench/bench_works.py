"""Works benchmark: conflict detection for BENCH_WORKS works (default 10,000) on the demo city, as a ratio to a
bare spatio-temporal self-join of the same pairs in the same run on the same database.

    .venv/bin/python bench/bench_works.py                               # SpatiaLite, var/bench_works.sqlite3
    DATABASE_URL=postgis://postgres@127.0.0.1/panjereh_bench .venv/bin/python bench/bench_works.py
    BENCH_PARCELS=300000 BENCH_WORKS=10000 .venv/bin/python bench/bench_works.py

Reference: the self-join alone on a raw cursor — works of different agencies within 30 m (the spatial index),
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


def reference():
    conf = rules()
    sql = queries.conflict_pairs_sql()
    best, pairs = float("inf"), None
    with connection.cursor() as cursor:
        for _ in range(RUNS):
            t = time.perf_counter()
            cursor.execute(sql, [conf["conflict_distance_m"], conf["conflict_window_days"],
                                 conf["conflict_window_days"], conf["conflict_distance_m"]])
            pairs = {(a, b) for a, b, _d, _g in cursor.fetchall()}
            best = min(best, time.perf_counter() - t)
    return best, pairs


def detection():
    """Our detection alone: works.queries.conflict_pairs, as find_all_conflicts calls it."""
    conf = rules()
    best = float("inf")
    for _ in range(RUNS):
        t = time.perf_counter()
        pairs = queries.conflict_pairs(conf["conflict_distance_m"], conf["conflict_window_days"])
        best = min(best, time.perf_counter() - t)
    return best, {(a, b) for a, b, _d, _g in pairs}


def ours():
    best = float("inf")
    for _ in range(RUNS):
        with transaction.atomic():
            WorksConflict.objects.all().delete()
            OutboxEvent.objects.filter(event_type="works.conflict").delete()
        t = time.perf_counter()
        found = services.find_all_conflicts()
        best = min(best, time.perf_counter() - t)
    return best, found, set(WorksConflict.objects.values_list("first_id", "second_id"))


def main():
    ensure_works()
    ref, ref_pairs = reference()
    detect, detected = detection()
    mine, found, pairs = ours()
    assert pairs == ref_pairs == detected, (len(pairs), len(ref_pairs), len(detected))
    events = OutboxEvent.objects.filter(event_type="works.conflict").count()
    print(f"database: {connection.vendor}; works: {Works.objects.count():,}; conflicts: {found:,} "
          f"(the same pairs as the bare self-join; {events:,} outbox events)")
    print(f"conflict detection          ours {detect:7.2f} s | bare self-join {ref:7.2f} s | ratio {detect / ref:.2f} "
          "(target ≤ 1.5)")
    print(f"detection + recording (conflicts and both agencies' events, one transaction) {mine:7.2f} s | "
          f"ratio {mine / ref:.2f}")


if __name__ == "__main__":
    main()
