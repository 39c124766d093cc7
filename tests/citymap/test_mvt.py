"""Our MVT encoder (SpatiaLite's tiles) against an independent decoder (mapbox-vector-tile) and the
rules of the MVT 2.1 specification."""

import mapbox_vector_tile
import pytest
import shapely

from panjereh.citymap.mvt import encode_layer

BOUNDS = (0.0, 0.0, 4096.0, 4096.0)  # one unit = one tile unit, so expected coordinates are easy to read


def decode(body):
    return mapbox_vector_tile.decode(body, default_options={"y_coord_down": True})


def shape(feature):
    return shapely.geometry.shape(feature["geometry"])


def area_signed(ring):
    """The surveyor's formula in tile coordinates (y down), as the specification defines it."""
    return sum(ring[i - 1][0] * ring[i][1] - ring[i][0] * ring[i - 1][1] for i in range(len(ring)))


def test_polygons_lines_points_and_properties_round_trip():
    square_with_hole = shapely.Polygon([(100, 100), (100, 900), (900, 900), (900, 100)],
                                       [[(300, 300), (600, 300), (600, 600), (300, 600)]])  # y up: flipped below
    multi = shapely.MultiPolygon([shapely.box(1000, 1000, 1200, 1200), shapely.box(1500, 1500, 1600, 1700)])
    line = shapely.LineString([(10, 10), (2000, 10), (2000, 3000)])
    points = shapely.MultiPoint([(5, 5), (4000, 4000)])
    props = [{"name": "قطعه ۱", "n": 7}, {"neg": -12, "f": 2.5, "b": True}, {"kind": "water_main"}, {}]
    body = encode_layer("demo", [1, 2, 3, 4], [square_with_hole, multi, line, points], props, BOUNDS)
    layer = decode(body)["demo"]
    assert layer["extent"] == 4096
    got = {f["id"]: f for f in layer["features"]}
    assert set(got) == {1, 2, 3, 4}
    assert got[1]["properties"] == {"name": "قطعه ۱", "n": 7}
    assert got[2]["properties"] == {"neg": -12, "f": 2.5, "b": True}
    flip = lambda g: shapely.transform(g, lambda c: c * [1, -1] + [0, 4096])  # noqa: E731 (y up → y down)
    assert shape(got[1]).equals(flip(square_with_hole))
    assert shape(got[2]).equals(flip(multi))
    assert shape(got[3]).equals(flip(line))
    assert shape(got[4]).equals(flip(points))
    # winding: exterior rings positive, holes negative, in tile coordinates
    rings = got[1]["geometry"]["coordinates"]
    assert area_signed(rings[0]) > 0 and area_signed(rings[1]) < 0


def test_matches_the_reference_encoder_on_clipped_real_shapes():
    """Clipping makes collections (a polygon and a stray edge), slivers that collapse to a line after
    quantisation, and tiny rings that vanish: both encoders must keep the same features and shapes."""
    import numpy as np

    rng = np.random.default_rng(1405)
    geoms, ids = [], []
    for i in range(300):
        x, y = rng.uniform(-200, 4300, 2)
        w, h = rng.uniform(0.2, 300, 2)
        geoms.append(shapely.box(x, y, x + w, y + h).buffer(rng.uniform(0, 20), quad_segs=2))
        ids.append(i + 1)
    clip = shapely.box(-64, -64, 4160, 4160)
    clipped = shapely.intersection(np.array(geoms), clip)
    keep = ~shapely.is_empty(clipped)
    props = [{"i": i} for i in ids]
    ours = decode(encode_layer("x", [i for i, k in zip(ids, keep) if k], clipped[keep],
                               [p for p, k in zip(props, keep) if k], BOUNDS))["x"]["features"]
    reference = mapbox_vector_tile.decode(mapbox_vector_tile.encode(
        [{"name": "x", "features": [{"id": i, "geometry": g, "properties": p}
                                    for i, g, p, k in zip(ids, clipped, props, keep) if k]}],
        default_options={"quantize_bounds": BOUNDS, "extents": 4096}), default_options={"y_coord_down": True})
    reference = reference["x"]["features"]
    ours_by_id = {f["id"]: shape(f) for f in ours}
    ref_by_id = {f["id"]: shape(f) for f in reference if not shape(f).is_empty}
    assert len(ours_by_id) > 250
    # the same features, and the same area within rounding to the tile grid
    assert set(ours_by_id) == set(ref_by_id)
    for fid, g in ours_by_id.items():
        assert g.symmetric_difference(ref_by_id[fid]).area <= max(2.0, 0.02 * ref_by_id[fid].area), fid


@pytest.mark.parametrize("geometry", [shapely.box(10, 10, 10.2, 10.2),  # collapses to one point
                                      shapely.LineString([(5, 5), (5.2, 5.1)])])
def test_collapsed_shapes_are_dropped(geometry):
    assert encode_layer("x", [1], [geometry], [{}], BOUNDS) == b""


def test_empty_input_is_an_empty_tile():
    assert encode_layer("x", [], [], [], BOUNDS) == b""
