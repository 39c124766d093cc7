"""Anonymous visitors cannot fill the disk: tiles are kept only inside the city and the layer's zooms;
exports leave nothing behind."""

import math
import random
import tempfile
from pathlib import Path

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db


def tile_of(lon, lat, z):
    n = 2 ** z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.log(math.tan(math.radians(lat)) + 1 / math.cos(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


def files_under(folder) -> int:
    return sum(1 for p in Path(folder).rglob("*") if p.is_file())


def test_tiles_outside_the_city_or_too_deep_are_not_kept(client, city):
    """Before: 1,000 anonymous z22 tile requests wrote 1,000 files and folders."""
    cache = Path(settings.PANJEREH_TILE_CACHE_DIR)
    before = files_under(cache)
    rng = random.Random(5)
    for _ in range(60):  # anywhere in the world at z22, and far outside the city at z15
        z = rng.choice([22, 15])
        x, y = rng.randrange(2 ** z), rng.randrange(2 ** z)
        assert client.get(f"/tiles/streets/{z}/{x}/{y}.mvt").status_code == 200
    for _ in range(20):  # inside the city, deeper than the cache keeps
        x, y = tile_of(48.67 + rng.uniform(-0.01, 0.01), 31.32 + rng.uniform(-0.01, 0.01), 21)
        assert client.get(f"/tiles/streets/21/{x}/{y}.mvt").status_code == 200
    assert files_under(cache) == before
    x, y = tile_of(48.67, 31.32, 15)  # the city itself, at a zoom the map shows: kept
    assert client.get(f"/tiles/streets/15/{x}/{y}.mvt").status_code == 200
    from panjereh.citymap.models import Layer
    from panjereh.citymap.tiles import cache_path

    assert cache_path(Layer.objects.get(code="streets"), 15, x, y).exists()


def test_exports_leave_nothing_in_the_temporary_directory(client_for, city):
    temp = Path(tempfile.gettempdir())
    before = set(temp.glob("panjereh-export-*"))
    api = client_for("coordinator")
    for fmt in ("geojson", "gpkg", "shapefile-zip"):
        r = api.get("/api/v1/layers/streets/export/", {"format": fmt})
        assert r.status_code == 200, fmt
        assert len(b"".join(r.streaming_content)) > 100
    assert set(temp.glob("panjereh-export-*")) == before
