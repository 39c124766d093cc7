"""Schutterwald's real low-voltage grid (pandapower, lon/lat) and gas network (pandapipes, Gauss-Krüger
EPSG:31467) imported through the ordinary importer as layers of one map, then checked for clearances.

The expected answer is computed independently: the source data transformed straight from each source CRS
with GDAL/PROJ directly (not through the importer), then a brute-force distance check in Shapely.
"""

import json
import warnings

import numpy as np
import pytest
import shapely

from panjereh.agencies.models import Agency
from panjereh.citymap.models import Feature, Layer
from panjereh.citymap.services import import_layer
from panjereh.crisis import consistency
from panjereh.crisis.loading import load_assets

pytestmark = pytest.mark.django_db

SCHUTTERWALD_BBOX = (7.80, 48.40, 7.95, 48.50)


def grids():
    warnings.filterwarnings("ignore")
    import pandapipes.networks
    import pandapower.networks

    power = pandapower.networks.lv_schutterwald()
    lines = [shapely.geometry.shape(json.loads(g)) for g in power.line.geo]
    gas = pandapipes.networks.schutterwald()
    xy = gas.junction_geodata[["x", "y"]].to_numpy() if len(gas.junction_geodata) else None
    if xy is None:
        xy = np.array([json.loads(g)["coordinates"] for g in gas.junction.geo])
    index = {j: k for k, j in enumerate(gas.junction_geodata.index if len(gas.junction_geodata) else gas.junction.index)}
    pipes = [shapely.LineString([xy[index[a]], xy[index[b]]]) for a, b in zip(gas.pipe.from_junction,
                                                                             gas.pipe.to_junction)]
    return lines, pipes


def write(path, geoms, kind, crs):
    import pyogrio.raw

    driver = "GPKG" if str(path).endswith(".gpkg") else "GeoJSON"
    ext = np.array([f"{kind}-{i}" for i in range(len(geoms))], dtype=object)
    kinds = np.array([kind] * len(geoms), dtype=object)
    pyogrio.raw.write(str(path), shapely.to_wkb(geoms), [ext, kinds], ["ext_id", "kind"], driver=driver,
                      geometry_type="LineString", crs=crs)
    return str(path)


def test_two_crs_one_map_and_clearances(city, settings, tmp_path):
    from panjereh.citymap import crs as crsmod

    settings.PANJEREH_CITY_BBOX = SCHUTTERWALD_BBOX
    lines, pipes = grids()
    power = Layer.objects.create(code="schutterwald-lv", name_fa="lv", name_en="lv", kind="network",
                                 agency=Agency.objects.get(code="power"), geometry_type="LineString",
                                 allowed_kinds=["lv_cable"])
    gas = Layer.objects.create(code="schutterwald-gas", name_fa="gas", name_en="gas", kind="network",
                               agency=Agency.objects.get(code="gas"), geometry_type="LineString",
                               allowed_kinds=["gas_main"])
    import_layer(layer=power, path=write(tmp_path / "lv.geojson", lines, "lv_cable", "EPSG:4326"),
                 original_name="lv.geojson")
    import_layer(layer=gas, path=write(tmp_path / "gas.gpkg", pipes, "gas_main", "EPSG:31467"),
                 original_name="gas.gpkg")
    assert Feature.objects.filter(version=power.versions.get().pk).count() == len(lines) == 3000
    assert Feature.objects.filter(version=gas.versions.get().pk).count() == len(pipes)

    # independent truth: the same data, transformed straight from each source CRS
    truth_lines = crsmod.transform(np.array(lines, dtype=object), "EPSG:4326", "EPSG:32639")
    truth_pipes = crsmod.transform(np.array(pipes, dtype=object), "EPSG:31467", "EPSG:32639")
    stored = load_assets("AND l.code IN (%s, %s)", ["schutterwald-lv", "schutterwald-gas"])
    by_ext = dict(zip(stored.ext_ids, stored.geoms))
    assert max(shapely.hausdorff_distance(by_ext[f"lv_cable-{i}"], g) for i, g in enumerate(truth_lines)) < 0.01
    assert max(shapely.hausdorff_distance(by_ext[f"gas_main-{i}"], g) for i, g in enumerate(truth_pipes)) < 0.01
    # the two networks lie on the same streets: most gas pipes have a cable within 30 m
    tree = shapely.STRtree(truth_lines)
    near = tree.query(truth_pipes, predicate="dwithin", distance=30.0)
    assert len(set(near[0].tolist())) > 0.5 * len(pipes)

    findings = consistency.check_clearances(stored)
    found = {frozenset(x["ext_id"] for x in f["features"]) for f in findings if f["data"]["rule"] == "gas-power"}
    expected = set()
    src, dst = tree.query(truth_pipes, predicate="dwithin", distance=0.5)
    for p, c in zip(src, dst):
        a, b = truth_pipes[p], truth_lines[c]
        if a.distance(b) < 0.5 and a.intersection(b.buffer(0.5)).length >= 2.0:
            expected.add(frozenset({f"gas_main-{p}", f"lv_cable-{c}"}))
    assert found == expected
    print(f"schutterwald: {len(lines)} cables, {len(pipes)} gas pipes, {len(found)} gas-power clearance findings")


def test_the_feeding_transformer_on_a_real_grid(city, settings, tmp_path):
    """Issue 15 item 8 on a real grid: Schutterwald's 14 LV feeders (pandapower; the 87 open points between
    feeders imported as normally_open cables). For cables whose nearest station on the map is not their own,
    the answer is still the station that feeds them — the truth from pandapower's own topology."""
    import networkx as nx
    import pandapower.networks
    import pyogrio.raw

    from panjereh.citymap import crs as crsmod
    from panjereh.crisis import tracing

    warnings.filterwarnings("ignore")
    settings.PANJEREH_CITY_BBOX = SCHUTTERWALD_BBOX
    net = pandapower.networks.lv_schutterwald()
    open_lines = set(net.switch[(net.switch.et == "l") & (~net.switch.closed)].element)
    graph = nx.Graph()
    graph.add_edges_from((r.from_bus, r.to_bus) for i, r in net.line.iterrows() if i not in open_lines)
    feeder_of_bus = {}
    for t, row in net.trafo.iterrows():
        for bus in nx.node_connected_component(graph, row.lv_bus) if row.lv_bus in graph else {row.lv_bus}:
            feeder_of_bus[bus] = f"TR-{t}"
    lines = [shapely.geometry.shape(json.loads(g)) for g in net.line.geo]
    power = Agency.objects.get(code="power")
    cables = Layer.objects.create(code="schutterwald-feeders", name_fa="lv", name_en="lv", kind="network",
                                  agency=power, geometry_type="LineString", allowed_kinds=["lv_cable"])
    ext = np.array([f"L-{i}" for i in net.line.index], dtype=object)
    path = str(tmp_path / "feeders.geojson")
    pyogrio.raw.write(path, shapely.to_wkb(lines), [ext, np.array(["lv_cable"] * len(lines), dtype=object),
                                                    np.array([i in open_lines for i in net.line.index])],
                      ["ext_id", "kind", "normally_open"], driver="GeoJSON", geometry_type="LineString",
                      crs="EPSG:4326")
    import_layer(layer=cables, path=path, original_name="feeders.geojson")
    stations = Layer.objects.create(code="schutterwald-stations", name_fa="tr", name_en="tr", kind="network",
                                    agency=power, geometry_type="Point", allowed_kinds=["transformer"])
    points = [shapely.geometry.shape(json.loads(net.bus.geo[row.lv_bus])) for _, row in net.trafo.iterrows()]
    path = str(tmp_path / "stations.geojson")
    pyogrio.raw.write(path, shapely.to_wkb(points), [np.array([f"TR-{t}" for t in net.trafo.index], dtype=object),
                                                     np.array(["transformer"] * len(points), dtype=object),
                                                     np.array([630.0] * len(points)), np.array([100.0] * len(points))],
                      ["ext_id", "kind", "capacity_kva", "load_kva"], driver="GeoJSON", geometry_type="Point",
                      crs="EPSG:4326")
    import_layer(layer=stations, path=path, original_name="stations.geojson")

    stored = {f.ext_id: f for f in Feature.objects.current().filter(layer=cables)}
    station_xy = crsmod.transform(np.array(points, dtype=object), "EPSG:4326", crsmod.STORAGE)
    tree = shapely.STRtree(station_xy)
    checked = 0
    for i, row in net.line.iterrows():
        if i in open_lines or checked >= 8:
            continue
        truth = feeder_of_bus.get(row.from_bus)
        cable = stored[f"L-{i}"]
        middle = shapely.from_wkb(bytes(cable.geom.wkb)).interpolate(0.5, normalized=True)
        nearest = f"TR-{net.trafo.index[int(tree.nearest(middle))]}"
        if truth is None or nearest == truth:
            continue  # only the cables where "the nearest station" would be wrong
        answer = tracing.feeding_transformer(middle, cable_id=cable.pk)
        assert answer["connected"] and answer["ext_id"] == truth, (i, answer["ext_id"], truth, nearest)
        checked += 1
    assert checked >= 5
