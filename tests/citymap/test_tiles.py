"""Vector tiles: the same features as a Shapely answer, in the right place, behind the same permissions."""

import mapbox_vector_tile
import pytest
import shapely

from panjereh.citymap import crs as crsmod
from panjereh.citymap.models import Feature, Parcel
from panjereh.citymap.tiles import BUFFER, EXTENT, lonlat_to_tile, tile_bounds

pytestmark = pytest.mark.django_db


def fetch(client, code, z, x, y):
    response = client.get(f"/tiles/{code}/{z}/{x}/{y}.mvt")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response, body


@pytest.mark.parametrize("code,z", [("parcels", 16), ("water-mains", 15), ("streets", 14)])
def test_tile_holds_exactly_the_features_that_meet_it(client_for, city, code, z):
    parcel = Parcel.objects.order_by("id")[40]
    centre = shapely.from_wkb(bytes(parcel.geom.wkb)).centroid
    lon, lat = crsmod.to_crs84(centre).coords[0]
    x, y = lonlat_to_tile(lon, lat, z)
    response, body = fetch(client_for("coordinator"), code, z, x, y)
    assert response.status_code == 200 and response["Content-Type"] == "application/vnd.mapbox-vector-tile"
    decoded = mapbox_vector_tile.decode(body, default_options={"y_coord_down": True})
    got = {f["id"] for f in decoded[code]["features"]}
    minx, miny, maxx, maxy = tile_bounds(z, x, y)
    margin = (maxx - minx) * BUFFER / EXTENT
    unit = (maxx - minx) / EXTENT  # one tile unit: the grid the tile snaps to
    if code == "parcels":
        candidates = {p.pk: p.geom for p in Parcel.objects.all()}
    else:
        candidates = {f.pk: f.geom for f in Feature.objects.current().filter(layer__code=code)}
    web = {pk: crsmod.transform(shapely.from_wkb(bytes(g.wkb)), "EPSG:32639", "EPSG:3857") for pk, g in
           candidates.items()}

    def meeting(grow):
        box = shapely.box(minx - margin - grow, miny - margin - grow, maxx + margin + grow, maxy + margin + grow)
        return {pk for pk, g in web.items() if g.intersects(box)}

    # exactly the features meeting the (buffered) tile, up to one tile unit at its edge, where snapping decides
    assert meeting(-unit) <= got <= meeting(unit) and got
    if code == "parcels":
        # the parcel is drawn where it is: its centroid, in tile units (y down), falls inside its polygon
        web = crsmod.transform(centre, "EPSG:32639", "EPSG:3857")
        px = (web.x - minx) / (maxx - minx) * EXTENT
        py = (maxy - web.y) / (maxy - miny) * EXTENT
        mine = next(f for f in decoded[code]["features"] if f["id"] == parcel.pk)
        polygon = shapely.geometry.shape(mine["geometry"])
        assert polygon.buffer(2).contains(shapely.Point(px, py))
        assert mine["properties"]["land_use"] == parcel.land_use


def test_tiles_follow_the_permission_module(client_for, city):
    lon, lat = crsmod.to_crs84(shapely.from_wkb(bytes(Parcel.objects.first().geom.wkb)).centroid).coords[0]
    x, y = lonlat_to_tile(lon, lat, 15)
    assert fetch(client_for(), "water-mains", 15, x, y)[0].status_code == 404
    assert fetch(client_for(), "streets", 15, x, y)[0].status_code == 200
    assert fetch(client_for("reviewer.gas"), "water-mains", 15, x, y)[0].status_code == 200
    assert fetch(client_for("coordinator"), "parcels", 3, 99, 0)[0].status_code == 404  # no such tile
    empty = fetch(client_for("coordinator"), "parcels", 10, 0, 0)  # the other side of the world
    assert empty[0].status_code == 200 and mapbox_vector_tile.decode(empty[1]) == {}


def test_transforms_from_many_threads_at_once():
    """Map tiles are built in parallel threads (threaded servers, the test live server): GDAL transformations
    shared between threads crashed the process; each thread now has its own."""
    from concurrent.futures import ThreadPoolExecutor

    points = shapely.points(shapely.get_coordinates(shapely.box(48.6, 31.2, 48.8, 31.4).segmentize(0.0005)))
    expected = crsmod.transform(points, "OGC:CRS84", "EPSG:3857")

    def work(_):
        for _ in range(30):
            back = crsmod.transform(crsmod.transform(points, "OGC:CRS84", "EPSG:3857"), "EPSG:3857", "EPSG:32639")
            assert shapely.equals_exact(crsmod.transform(back, "EPSG:32639", "EPSG:3857"), expected, 1e-3).all()
        return True

    with ThreadPoolExecutor(max_workers=8) as pool:
        assert all(pool.map(work, range(16)))


def test_tiles_are_cached_per_layer_version(client_for, city, tile_cache):
    from pathlib import Path

    from panjereh.citymap.models import Layer, LayerVersion

    layer = Layer.objects.select_related("current_version").get(code="water-mains")
    lon, lat = crsmod.to_crs84(shapely.from_wkb(bytes(Feature.objects.current().filter(layer=layer).first()
                                                      .geom.wkb)).centroid).coords[0]
    x, y = lonlat_to_tile(lon, lat, 15)
    client = client_for("coordinator")
    first = fetch(client, "water-mains", 15, x, y)[1]
    files = list(Path(tile_cache).rglob(f"water-mains/*/15/{x}/{y}.mvt"))
    assert len(files) == 1 and files[0].read_bytes() == first
    assert fetch(client, "water-mains", 15, x, y)[1] == first  # served from the file
    # the browser may keep a tile asked for with the current version's id (the map page does); not otherwise
    pinned = client.get(f"/tiles/water-mains/15/{x}/{y}.mvt", {"v": layer.current_version_id})
    assert "immutable" in pinned["Cache-Control"]
    stale = client.get(f"/tiles/water-mains/15/{x}/{y}.mvt", {"v": layer.current_version_id + 1000})
    assert stale["Cache-Control"] == "private, max-age=60"
    # a new current version is a new key: the old tile is not served for it
    newer = LayerVersion.objects.create(layer=layer, number=layer.current_version.number + 1, source_name="empty")
    layer.current_version = newer
    layer.save(update_fields=["current_version"])
    assert mapbox_vector_tile.decode(fetch(client, "water-mains", 15, x, y)[1]) == {}
    assert len(list(Path(tile_cache).rglob(f"water-mains/*/15/{x}/{y}.mvt"))) == 2
    # below the layer kind's zoom, tiles are empty (a city of networks at z8 is unreadable and costly)
    assert fetch(client, "parcels", 12, *lonlat_to_tile(lon, lat, 12))[1] == b""


def test_warm_and_prune_the_tile_cache(city, tile_cache):
    from io import StringIO
    from pathlib import Path

    from django.core.management import CommandError, call_command

    from panjereh.citymap.models import Layer, LayerVersion
    from panjereh.citymap.tiles import cache_path, cached_tile, tile

    out = StringIO()
    parcel = shapely.from_wkb(bytes(Parcel.objects.order_by("id")[10].geom.wkb))
    w, s, e, n = crsmod.to_crs84(parcel.buffer(150)).bounds
    call_command("tiles", "--warm", "parcels", "--zoom", "13", "15", "--bbox", f"{w},{s},{e},{n}", stdout=out)
    layer = Layer.objects.select_related("current_version").get(code="parcels")
    x, y = lonlat_to_tile(*crsmod.to_crs84(parcel.centroid).coords[0], 15)
    path = cache_path(layer, 15, x, y)
    assert path.exists() and path.read_bytes() == tile(layer, 15, x, y)
    assert not any(Path(tile_cache).rglob("parcels/*/13/*/*.mvt"))  # below the parcels' zoom: not built
    # prune: only the current version's folder stays
    old = path.parents[2]  # root/layer/<version key>/z/x/y.mvt
    newer = LayerVersion.objects.create(layer=layer, number=layer.current_version.number + 1, source_name="t")
    layer.current_version = newer
    layer.save(update_fields=["current_version"])
    cached_tile(layer, 15, x, y)
    call_command("tiles", "--prune", stdout=out)
    assert not old.exists() and cache_path(layer, 15, x, y).exists()
    # bad input is named
    for args, message in ((["--warm", "nope"], "does not exist"), (["--warm", "parcels", "--zoom", "16", "14"], "FROM"),
                          (["--warm", "parcels", "--bbox", "1,2,3"], "four numbers"),
                          (["--warm", "parcels", "--zoom", "14", "22", "--bbox", "40,20,60,40"], "over the limit"),
                          ([], "--warm")):
        with pytest.raises(CommandError, match=message):
            call_command("tiles", *args, stdout=out)
