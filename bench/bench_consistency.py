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
setup("bench.sqlite3")

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from panjereh.citymap import queries  # noqa: E402
from panjereh.crisis import consistency  # noqa: E402
from panjereh.crisis.loading import load_assets  # noqa: E402
from panjereh.crisis.models import ClearanceRule  # noqa: E402
from panjereh.crisis.services import run_consistency  # noqa: E402
from panjereh.democity.build import build_demo_city  # noqa: E402
from panjereh.democity.models import DemoBuild  # noqa: E402


def main():
    call_command("migrate", "--noinput", verbosity=0)
    build = DemoBuild.objects.first()
    if build is None or build.parcels != PARCELS:
        build = build_demo_city(parcels=PARCELS, seed=1405, replace=True)
    print(f"database {connection.vendor}, {build.parcels} parcels")
    t = time.perf_counter()
    run = run_consistency()
    full = time.perf_counter() - t
    print(f"full consistency run (every check): {full:.1f} s, findings {run.counts}")
    t = time.perf_counter()
    assets = consistency._network(load_assets())
    load = time.perf_counter() - t
    t = time.perf_counter()
    found = consistency.check_clearances(assets)
    ours = time.perf_counter() - t
    print(f"clearance check: load {load:.2f} s + check {ours:.2f} s = {load + ours:.2f} s, {len(found)} violations")
    if connection.vendor != "postgresql":
        return
    total = 0.0
    for rule in ClearanceRule.objects.all():
        a = ", ".join(f"'{k}'" for k in rule.kinds_a)
        b = ", ".join(f"'{k}'" for k in rule.kinds_b)
        current = queries.CURRENT
        sql = (f"SELECT count(*) FROM citymap_feature f JOIN citymap_feature g ON ST_DWithin(f.geom, g.geom, %s) "
               f"WHERE f.kind IN ({a}) AND g.kind IN ({b}) AND {current} "
               f"AND g.version_id IN (SELECT current_version_id FROM citymap_layer) "
               f"AND ST_Distance(f.geom, g.geom) < %s")
        t = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(sql, [rule.min_m, rule.min_m])
            pairs = cursor.fetchone()[0]
        took = time.perf_counter() - t
        total += took
        print(f"  bare PostGIS self-join, rule {rule.name}: {took:.2f} s ({pairs} pairs within {rule.min_m} m, "
              "crossings included)")
    print(f"bare self-join total {total:.2f} s; ratio Panjereh clearance (with loading) / bare = "
          f"{(load + ours) / total:.2f}; full run / bare = {full / total:.2f}")


if __name__ == "__main__":
    main()
