"""Whole-city consistency run against a bare PostGIS self-join doing the same clearance check.

    DATABASE_URL=postgis://postgres@127.0.0.1/panjereh_bench BENCH_PARCELS=300000 .venv/bin/python bench/bench_consistency.py

Prints the full run's time (every check), the clearance check's own time, and the bare SQL self-join's time
(ST_DWithin between the rule's kinds, current versions only), with the ratios. On SpatiaLite only the
Panjereh figures are printed (the reference is PostGIS's).
"""

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _django import setup  # noqa: E402

PARCELS = int(os.environ.get("BENCH_PARCELS", "300000"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
setup("bench.sqlite3")

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from panjereh.crisis import consistency  # noqa: E402
from panjereh.crisis.loading import load_assets  # noqa: E402
from panjereh.crisis.models import ClearanceRule  # noqa: E402
from panjereh.crisis.services import run_consistency  # noqa: E402
from panjereh.democity.build import build_demo_city  # noqa: E402
from panjereh.democity.models import DemoBuild  # noqa: E402


def bare_self_join_seconds() -> float:
    """The reference, written here: for every clearance rule, the pairs of current features of its kinds closer
    than its distance, by a PostGIS self-join on the spatial index (ST_DWithin)."""
    total = 0.0
    for rule in ClearanceRule.objects.all():
        a = ", ".join(f"'{k}'" for k in rule.kinds_a)
        b = ", ".join(f"'{k}'" for k in rule.kinds_b)
        sql = (f"SELECT count(*) FROM citymap_feature f JOIN citymap_feature g ON ST_DWithin(f.geom, g.geom, %s) "
               f"WHERE f.kind IN ({a}) AND g.kind IN ({b}) "
               f"AND f.version_id IN (SELECT current_version_id FROM citymap_layer) "
               f"AND g.version_id IN (SELECT current_version_id FROM citymap_layer) "
               f"AND ST_Distance(f.geom, g.geom) < %s")
        t = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(sql, [rule.min_m, rule.min_m])
            cursor.fetchone()
        total += time.perf_counter() - t
    return total


def clearance_seconds() -> tuple[float, int]:
    """Ours: loading the networks and the clearance check, as the consistency run does them."""
    t = time.perf_counter()
    found = consistency.check_clearances(consistency._network(load_assets()))
    return time.perf_counter() - t, len(found)


def main():
    import statistics

    call_command("migrate", "--noinput", verbosity=0)
    build = DemoBuild.objects.first()
    if build is None or build.parcels != PARCELS:
        build = build_demo_city(parcels=PARCELS, seed=1405, replace=True)
    # A stated starting point: one live version of every layer (the other benchmarks' imports archived), since
    # the clearance check reads the live table (0.56 of its reference at 19 sewer versions, 0.93 after this).
    call_command("archiveversions", "--keep", "1", stdout=open(os.devnull, "w"))
    print(f"database {connection.vendor}, {build.parcels} parcels, one live version per layer; {ROUNDS} rounds")
    t = time.perf_counter()
    run = run_consistency()
    print(f"full consistency run (every check): {time.perf_counter() - t:.1f} s, findings {run.counts}")
    ours, bare, violations = [], [], 0
    for r in range(ROUNDS):  # ours and the reference in turn, the order alternating
        for name in (("ours", "bare") if r % 2 == 0 else ("bare", "ours")):
            if name == "ours":
                seconds, violations = clearance_seconds()
                ours.append(seconds)
            elif connection.vendor == "postgresql":
                bare.append(bare_self_join_seconds())
    print(f"clearance check (loading the networks and checking): {statistics.median(ours):.2f} s, {violations} "
          "violations")
    if bare:
        ratios = [o / b for o, b in zip(ours, bare)]
        print(f"bare PostGIS self-join (every rule): {statistics.median(bare):.2f} s; ratio "
              f"{statistics.median(ratios):.2f} ({min(ratios):.2f}–{max(ratios):.2f})")

if __name__ == "__main__":
    main()
