"""What piled-up layer versions cost, and what archiving gives back.

On the 300,000-parcel bench city: time dig checks (in-process) and water-main tiles with the water layer at
its first version; import the same network again VERSIONS times (every import is a whole new version in the
live table); time again; run the archive (keep 1); time again. The ratio is against the first timing, in the
same run. The city is left with the extra versions archived.

    [DATABASE_URL=postgis://…/panjereh_bench] .venv/bin/python bench/bench_versions.py
"""

import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _django import setup, stats  # noqa: E402

VERSIONS = int(os.environ.get("BENCH_VERSIONS", "8"))
SAMPLES = int(os.environ.get("BENCH_SAMPLES", "200"))
setup("bench.sqlite3")

import shapely  # noqa: E402
from django.db import connection  # noqa: E402

from panjereh.citymap import crs as crsmod  # noqa: E402
from panjereh.citymap.archive import archive_layer, tidy_live_table  # noqa: E402
from panjereh.citymap.exporting import export_layer  # noqa: E402
from panjereh.citymap.models import Feature, Layer, Parcel  # noqa: E402
from panjereh.citymap.services import dig_check, import_layer, parse_dig_area  # noqa: E402
from panjereh.citymap.tiles import lonlat_to_tile, tile  # noqa: E402



def against(now, base):
    """Dig-check and tile p50/p95 now, with their ratios to the first timing."""
    (dig, tile_ms), (dig0, tile0) = now, base
    return (f"dig p50/p95 {dig[0]:.2f}/{dig[1]:.2f} ms ({dig[0] / dig0[0]:.2f}×/{dig[1] / dig0[1]:.2f}×), "
            f"tile {tile_ms[0]:.1f}/{tile_ms[1]:.1f} ms ({tile_ms[0] / tile0[0]:.2f}×/{tile_ms[1] / tile0[1]:.2f}×)")


def measure(points, tiles, layer):
    digs, tile_times = [], []
    for lon, lat in points:
        area = parse_dig_area({"type": "LineString", "coordinates": [[lon, lat], [lon + 0.0004, lat]]}, 3)
        started = time.perf_counter()
        dig_check(area)
        digs.append(time.perf_counter() - started)
    layer.refresh_from_db()
    for t in tiles:
        started = time.perf_counter()
        tile(layer, *t)
        tile_times.append(time.perf_counter() - started)
    return stats(digs), stats(tile_times)


def main():
    from django.core.management import call_command

    call_command("migrate", "--noinput", verbosity=0)
    layer = Layer.objects.select_related("current_version").get(code="water-mains")
    count = Parcel.objects.count()
    if count < 100_000:
        sys.exit("build the bench city first: .venv/bin/python bench/bench_foundation.py (or bench_tiles.py)")
    rng = random.Random(1405)
    ids = list(Parcel.objects.order_by("id").values_list("id", flat=True)[::max(1, count // SAMPLES)])[:SAMPLES]
    points = [crsmod.to_crs84(shapely.from_wkb(bytes(p.geom.wkb)).centroid).coords[0]
              for p in Parcel.objects.filter(pk__in=ids)]
    rng.shuffle(points)
    tiles = [(15, *lonlat_to_tile(lon, lat, 15)) for lon, lat in points[:30]]
    live = Feature.objects.filter(layer=layer).count()
    print(f"database {connection.vendor}, {count} parcels; water-mains current v{layer.current_version.number}, "
          f"{live} live feature rows; {len(points)} dig checks, {len(tiles)} tiles")
    measure(points, tiles, layer)  # warm the caches and the connection: the first round is not counted
    base = measure(points, tiles, layer)
    print(f"before:            dig p50/p95 {base[0][0]:.2f}/{base[0][1]:.2f} ms, tile p50/p95 "
          f"{base[1][0]:.1f}/{base[1][1]:.1f} ms")
    with tempfile.TemporaryDirectory() as tmp:
        path = export_layer(layer, "gpkg", directory=tmp)
        started = time.perf_counter()
        for _ in range(VERSIONS):
            import_layer(layer=layer, path=path, original_name="again.gpkg")
        seconds = time.perf_counter() - started
    live = Feature.objects.filter(layer=layer).count()
    piled = measure(points, tiles, layer)
    print(f"{VERSIONS} more versions ({live} live rows, imported in {seconds:.1f} s): {against(piled, base)}")
    started = time.perf_counter()
    moved = sum(n for _, n in archive_layer(layer, keep=1))
    tidy_live_table()  # what `panjereh archiveversions` does after moving rows
    seconds = time.perf_counter() - started
    live = Feature.objects.filter(layer=layer).count()
    after = measure(points, tiles, layer)
    print(f"archived {moved} rows in {seconds:.1f} s ({live} live rows): {against(after, base)}")


if __name__ == "__main__":
    main()
