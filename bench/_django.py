"""Start Django for a benchmark script: the repository's src on the path, its own database by default."""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setup(default_db: str) -> None:
    """Configure and start Django; ``default_db`` names the SpatiaLite file under var/ unless DATABASE_URL is set."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("PANJEREH_VAR_DIR", str(ROOT / "var"))
    os.environ.setdefault("DATABASE_URL", f"spatialite:///{ROOT / 'var' / default_db}")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "panjereh.settings")
    import django

    django.setup()


def stats(samples):
    """(p50, p95) in milliseconds of timings in seconds."""
    import statistics

    ms = sorted(s * 1000 for s in samples)
    return statistics.median(ms), ms[max(0, int(len(ms) * 0.95) - 1)]


def ensure_city(parcels: int, *, seed: int = 1405, quiet: bool = False):
    """The demo city of ``parcels`` parcels in the bench database (built, with progress, unless it is there)
    and its demo users. Returns its DemoBuild record."""
    import time

    from django.core.management import call_command
    from tqdm import tqdm

    from panjereh.democity.build import build_demo_city
    from panjereh.democity.models import DemoBuild
    from panjereh.democity.people import create_demo_people

    call_command("migrate", "--noinput", verbosity=0)
    call_command("createcachetable", verbosity=0)  # throttles count in it (the database cache by default)
    build = DemoBuild.objects.first()
    if build is None or build.parcels != parcels:
        started = time.perf_counter()
        with tqdm(unit=" rows", desc=f"demo city of {parcels:,} parcels", disable=quiet, mininterval=2) as bar:
            build = build_demo_city(parcels=parcels, seed=seed, replace=True, progress=bar.update)
        print(f"demo city: {build.parcels:,} parcels built in {time.perf_counter() - started:.1f} s")
    elif not quiet:
        print(f"demo city: {build.parcels:,} parcels (built earlier in {build.seconds:.1f} s)")
    create_demo_people()
    return build


def central_tiles(half: int, zooms=(15, 16)) -> list[tuple[int, int, int]]:
    """The (z, x, y) tiles within ``half`` tiles of the city's middle parcel at each zoom: the densest part of
    the bench city, where the tile benchmarks look."""
    import shapely

    from panjereh.citymap import crs as crsmod
    from panjereh.citymap.models import Parcel
    from panjereh.citymap.tiles import lonlat_to_tile

    middle = Parcel.objects.order_by("id")[Parcel.objects.count() // 2]
    lon, lat = crsmod.to_crs84(shapely.from_wkb(bytes(middle.geom.wkb)).centroid).coords[0]
    tiles = []
    for z in zooms:
        x0, y0 = lonlat_to_tile(lon, lat, z)
        tiles += [(z, x0 + dx, y0 + dy) for dx in range(-half, half) for dy in range(-half, half)]
    return tiles
