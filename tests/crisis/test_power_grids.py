"""Issue 26 item 4: the station feeding a power fault, on grids as cities build them, checked against
pandapower's own topology on networks the package ships.

- CIGRE LV (pandapower.networks.create_cigre_network_lv): three LV feeders, 19 of their 37 lines overhead.
  Before: overhead lines were not conductors at all, and the answer was the transformer nearest to the cable
  nearest the fault, reported ``connected: true`` — wrong in 19 of 19 overhead faults.
- CIGRE MV (create_cigre_network_mv): two HV/MV substations, one feeder leaving its substation as overhead
  lines, three open points. Before: "no transformer on the map" for every fault.
- MV Oberrhein (mv_oberrhein): a real 20 kV grid, 181 lines (10 overhead), 2 HV/MV substations, 6 open points.

Every line that is not an open point is faulted in turn; the truth comes from ``pandapower.topology``
(create_nxgraph with the switches respected, the transformers left out): the station whose low side lies in
the faulted line's connected piece, and the first line on the path from that station (the feeder).
The numbers (faults, right, wrong) are printed per network for the closing note."""

import json
import warnings

import networkx as nx
import numpy as np
import pytest
import shapely

from panjereh.agencies.models import Agency
from panjereh.citymap import crs as crsmod
from panjereh.citymap.models import Feature, Layer
from panjereh.citymap.services import import_layer
from panjereh.crisis import power

pytestmark = pytest.mark.django_db

CONDUCTOR_KINDS = ["lv_cable", "lv_overhead", "mv_cable", "mv_overhead", "hv_line"]
FAR_BBOX = (49.30, 30.30, 49.70, 30.70)  # inside the storage CRS's zone, away from the demo city's own grid


def _bus_xy(net) -> dict:
    return {b: tuple(json.loads(g)["coordinates"]) for b, g in zip(net.bus.index, net.bus.geo)}


def _kind(net, line) -> str:
    kv = float(net.bus.vn_kv[line.from_bus])
    overhead = str(line.get("type", "")) == "ol"
    if kv < 1:
        return "lv_overhead" if overhead else "lv_cable"
    if kv <= 36:
        return "mv_overhead" if overhead else "mv_cable"
    return "hv_line"


def _open_lines(net) -> set:
    return set(net.switch[(net.switch.et == "l") & (~net.switch.closed)].element)


def import_grid(net, code: str, tmp_path, *, geographic: bool, settings, with_stations: bool = True):
    """The network's lines and stations as two layers of the map, through the ordinary importer. A schematic
    network (CIGRE's coordinates are a drawing) is scaled to its lines' lengths and placed in FAR_BBOX."""
    import pyogrio.raw

    xy = _bus_xy(net)
    if geographic:
        lon = [p[0] for p in xy.values()]
        lat = [p[1] for p in xy.values()]
        settings.PANJEREH_CITY_BBOX = (min(lon) - 0.05, min(lat) - 0.05, max(lon) + 0.05, max(lat) + 0.05)
        crs, place = "EPSG:4326", (lambda p: p)
    else:
        settings.PANJEREH_CITY_BBOX = FAR_BBOX
        ratios = [row.length_km * 1000 / np.hypot(*np.subtract(xy[row.from_bus], xy[row.to_bus]))
                  for _i, row in net.line.iterrows() if xy[row.from_bus] != xy[row.to_bus]]
        scale = float(np.median(ratios))
        centre = crsmod.to_storage(shapely.Point((FAR_BBOX[0] + FAR_BBOX[2]) / 2, (FAR_BBOX[1] + FAR_BBOX[3]) / 2),
                                   "OGC:CRS84")
        crs = crsmod.STORAGE
        place = (lambda p: (centre.x + p[0] * scale, centre.y + p[1] * scale))
    agency = Agency.objects.get(code="power")
    open_lines = _open_lines(net)
    lines = Layer.objects.create(code=f"{code}-lines", name_fa=code, name_en=code, kind="network", agency=agency,
                                 geometry_type="LineString", allowed_kinds=CONDUCTOR_KINDS)
    geoms = [shapely.LineString([place(xy[row.from_bus]), place(xy[row.to_bus])]) for _i, row in net.line.iterrows()]
    path = str(tmp_path / f"{code}-lines.gpkg")
    pyogrio.raw.write(path, shapely.to_wkb(geoms), [
        np.array([f"L{i}" for i in net.line.index], dtype=object),
        np.array([_kind(net, row) for _i, row in net.line.iterrows()], dtype=object),
        np.array([int(i in open_lines) for i in net.line.index])],
        ["ext_id", "kind", "normally_open"], driver="GPKG", geometry_type="LineString", crs=crs)
    import_layer(layer=lines, path=path, original_name=f"{code}-lines.gpkg")
    stored = {f.ext_id: f for f in Feature.objects.current().filter(layer=lines)}
    if not with_stations:
        return stored
    stations = Layer.objects.create(code=f"{code}-stations", name_fa=code, name_en=code, kind="network",
                                    agency=agency, geometry_type="Point", allowed_kinds=["transformer", "substation"])
    points, ext, kinds = [], [], []
    for t, row in net.trafo.iterrows():
        high = float(net.bus.vn_kv[row.hv_bus])
        points.append(shapely.Point(place(xy[row.lv_bus])))  # a station is drawn where its feeders leave
        ext.append(f"T{t}")
        kinds.append("substation" if high > 36 else "transformer")
    path = str(tmp_path / f"{code}-stations.gpkg")
    pyogrio.raw.write(path, shapely.to_wkb(points), [np.array(ext, dtype=object), np.array(kinds, dtype=object)],
                      ["ext_id", "kind"], driver="GPKG", geometry_type="Point", crs=crs)
    import_layer(layer=stations, path=path, original_name=f"{code}-stations.gpkg")
    return stored


def truth(net) -> dict:
    """{line index: (station ext_id or None, feeder line ext_id or None)} from pandapower's topology."""
    import pandapower.topology as top

    graph = top.create_nxgraph(net, respect_switches=True, include_trafos=False)
    low_side = {row.lv_bus: f"T{t}" for t, row in net.trafo.iterrows()}
    out = {}
    for i, row in net.line.iterrows():
        if i in _open_lines(net):
            continue
        piece = nx.node_connected_component(graph, row.from_bus)
        stations = [low_side[b] for b in piece if b in low_side]
        if len(stations) != 1:
            out[i] = (None, None)  # the topology itself cannot tell: not a sample
            continue
        station_bus = next(b for b in piece if b in low_side)
        paths = [nx.shortest_path(graph, station_bus, end, weight="weight") for end in (row.from_bus, row.to_bus)]
        first = min(paths, key=len)
        if len(first) < 2:
            feeder = f"L{i}"
        else:
            edges = graph.get_edge_data(first[0], first[1])
            lines = [key[1] for key in edges if key[0] == "line"]
            feeder = f"L{lines[0]}" if len(lines) == 1 else None
        out[i] = (stations[0], feeder)
    return out


def check(net, stored, *, level: str):
    """Fault every line of ``net`` on the map; (faults, right, wrong details)."""
    grid = power.load_grid()
    expected = truth(net)
    faults, wrong = 0, []
    for i, (station, feeder) in expected.items():
        if station is None:
            continue
        line = stored[f"L{i}"]
        middle = shapely.from_wkb(bytes(line.geom.wkb)).interpolate(0.5, normalized=True)
        answer = power.feeding_station(middle, conductor_id=line.pk, grid=grid)
        faults += 1
        if answer["level"] == "lv" and level == "lv":
            ok = answer["connected"] and answer["ext_id"] == station
        else:
            ok = answer["connected"] and (answer["substation"] or {}).get("ext_id") == station and \
                (feeder is None or (answer["feeder"] or {}).get("ext_id") == feeder)
        if not ok:
            wrong.append((i, station, feeder, answer))
    return faults, faults - len(wrong), wrong


def _quiet():
    warnings.filterwarnings("ignore")


def test_cigre_lv_with_its_overhead_lines(city, settings, tmp_path, capsys):
    _quiet()
    import pandapower.networks as pn

    net = pn.create_cigre_network_lv()
    stored = import_grid(net, "cigre-lv", tmp_path, geographic=False, settings=settings)
    faults, right, wrong = check(net, stored, level="lv")
    overhead = sum(1 for i, row in net.line.iterrows() if row.type == "ol")
    with capsys.disabled():
        print(f"\nCIGRE LV: {faults} faults ({overhead} lines overhead), {right} right, {len(wrong)} wrong")
    assert faults >= 30 and wrong == []


def test_cigre_mv_feeders_leaving_substations_overhead(city, settings, tmp_path, capsys):
    _quiet()
    import pandapower.networks as pn

    net = pn.create_cigre_network_mv(with_der=False)
    stored = import_grid(net, "cigre-mv", tmp_path, geographic=False, settings=settings)
    faults, right, wrong = check(net, stored, level="mv")
    with capsys.disabled():
        print(f"\nCIGRE MV: {faults} faults, {right} right, {len(wrong)} wrong")
    assert faults >= 10 and wrong == []
    # the feeder that leaves its substation as an overhead line is named with its substation
    overhead_head = stored["L10"]
    answer = power.feeding_station(shapely.from_wkb(bytes(overhead_head.geom.wkb)).centroid,
                                   conductor_id=overhead_head.pk)
    assert answer["substation"]["ext_id"] == "T1" and answer["feeder"]["ext_id"] == "L10"
    # an open point carries nothing: said so, no station claimed
    open_point = stored["L12"]
    answer = power.feeding_station(shapely.from_wkb(bytes(open_point.geom.wkb)).centroid,
                                   conductor_id=open_point.pk)
    assert answer.get("open_point") and not answer["connected"] and answer["substation"] is None


def test_mv_oberrhein(city, settings, tmp_path, capsys):
    _quiet()
    import pandapower.networks as pn

    net = pn.mv_oberrhein()
    stored = import_grid(net, "oberrhein", tmp_path, geographic=True, settings=settings)
    faults, right, wrong = check(net, stored, level="mv")
    with capsys.disabled():
        print(f"\nMV Oberrhein: {faults} faults, {right} right, {len(wrong)} wrong")
    assert faults >= 150 and wrong == [], wrong[:3]


def test_a_line_the_map_connects_to_nothing_is_said_so(city, settings, tmp_path):
    """An LV overhead line drawn alone (no station on its lines): the nearest transformer is named as a
    guess, ``connected`` false, and the incident's response says the map cannot tell."""
    _quiet()
    import pandapower.networks as pn

    from panjereh.crisis.services import report_incident

    net = pn.create_cigre_network_lv()
    stored = import_grid(net, "cigre-alone", tmp_path, geographic=False, settings=settings, with_stations=False)
    line = stored["L1"]
    incident = report_incident(actor=None, kind="cable_fault", feature_id=line.pk)
    answer = incident.response["transformer"]
    assert answer["connected"] is False
    assert {p["code"] for p in incident.response["problems"]} & {"transformer_guess", "no_transformer"}
