"""Which station feeds a faulted power line, along every kind of conductor, as distribution grids are built.

A grid has three voltage levels. Low voltage (LV cables and overhead lines) leaves an MV/LV *transformer*;
medium voltage (MV cables and overhead lines) leaves an HV/MV *substation* as feeders, and passes the MV/LV
transformers along the way (they hang on the feeder: a feeder is not cut at a transformer); high voltage lines
join substations. Most distribution in Iranian cities is overhead, so overhead lines are conductors like cables.

On the map, conductors of one level meet where their ends lie within ``END_SNAP_M`` (a pole or a joint drawn
with the lines fanned out), or at a *busbar* point (every end of one level within ``BUSBAR_SNAP_M`` of it is one
node); a line marked ``normally_open`` (an open point between feeders, an open line switch) carries nothing;
a station sits on a node of a level when it is drawn within ``STATION_SNAP_M`` of it — a transformer on the LV
nodes it feeds and on the MV feeder it hangs on, a substation on the MV nodes its feeders leave from.

The answer to a fault on a line of level L:
- LV: the transformer reached first along the LV conductors (it is where the LV feeder starts), then from that
  transformer along the MV conductors the substation and the feeder (the MV line leaving the substation);
- MV: the substation reached first along the MV conductors, the feeder, and every transformer on the dead
  feeder (the MV nodes reachable from the fault without passing a substation);
- HV: the substation reached first along the HV lines.
When no station is reachable the map cannot tell: the answer says so (``connected`` false); for an LV fault
the nearest transformer is named as a guess, marked as one — never presented as found.

Checked against pandapower's own topology on the networks the package ships (tests/crisis/test_power_grids.py).
"""

import heapq
from dataclasses import dataclass, field

import numpy as np
import shapely

from panjereh.crisis.loading import Assets, load_assets, load_parcels

LEVEL = {"lv_cable": "lv", "lv_overhead": "lv", "mv_cable": "mv", "mv_overhead": "mv", "hv_line": "hv"}
STATION_KINDS = ("transformer", "substation", "busbar")
END_SNAP_M = 10.0  # conductor ends of one level this close meet (Schutterwald's joints: 2–5 m apart)
BUSBAR_SNAP_M = 15.0
STATION_SNAP_M = 10.0
FEEDER_PARCELS_M = 400.0  # a transformer's parcels: those nearest to it within this distance


def _is_open(attrs) -> bool:
    return attrs.get("normally_open") in (True, 1, "1", "true", "yes")


@dataclass
class Grid:
    """Conductors as a graph per level: nodes are merged conductor ends; stations sit on nodes."""

    conductors: Assets
    stations: Assets
    adjacent: dict = field(default_factory=dict)  # node -> [(node, metres, conductor position)]
    ends: dict = field(default_factory=dict)  # conductor position -> (node, node), open conductors left out
    at_node: dict = field(default_factory=dict)  # node -> [station position]
    nodes_of_station: dict = field(default_factory=dict)  # station position -> {level: [node]}

    def kind(self, station: int) -> str:
        return self.stations.kinds[station]


def load_grid() -> Grid:
    """The power grid on the current map (every power layer's conductors and stations)."""
    conductors = load_assets("AND f.kind IN (" + ", ".join(["%s"] * len(LEVEL)) + ")", list(LEVEL))
    stations = load_assets("AND f.kind IN (%s, %s, %s)", list(STATION_KINDS))
    return build_grid(conductors, stations)


def build_grid(conductors: Assets, stations: Assets) -> Grid:
    grid = Grid(conductors=conductors, stations=stations)
    live = [i for i in range(len(conductors)) if not _is_open(conductors.attrs[i])]
    points, levels = [], []
    for i in live:
        coords = shapely.get_coordinates(conductors.geoms[i])
        points += [coords[0], coords[-1]]
        levels += [LEVEL[conductors.kinds[i]]] * 2
    parent = list(range(len(points)))

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    if not points:
        return grid
    end_points = shapely.points(np.array(points))
    tree = shapely.STRtree(end_points)
    left, right = tree.query(end_points, predicate="dwithin", distance=END_SNAP_M)
    for a, b in zip(left.tolist(), right.tolist()):
        if a < b and levels[a] == levels[b]:
            parent[find(a)] = find(b)
    is_busbar = np.array([k == "busbar" for k in stations.kinds], dtype=bool)
    if is_busbar.any():
        bars, hit = tree.query(stations.geoms[is_busbar], predicate="dwithin", distance=BUSBAR_SNAP_M)
        first: dict = {}
        for bar, e in zip(bars.tolist(), hit.tolist()):
            key = (bar, levels[e])
            if key in first:
                parent[find(e)] = find(first[key])
            else:
                first[key] = e
    node = [f"{levels[k]}:{find(k)}" for k in range(len(points))]
    for n, i in enumerate(live):
        a, b = node[2 * n], node[2 * n + 1]
        length = float(conductors.geoms[i].length)
        grid.adjacent.setdefault(a, []).append((b, length, i))
        grid.adjacent.setdefault(b, []).append((a, length, i))
        grid.ends[i] = (a, b)
    if len(stations):
        near_station, near_end = tree.query(stations.geoms, predicate="dwithin", distance=STATION_SNAP_M)
        for s, e in zip(near_station.tolist(), near_end.tolist()):
            if stations.kinds[s] == "busbar":
                continue
            levels_of = grid.nodes_of_station.setdefault(s, {})
            if node[e] not in levels_of.setdefault(levels[e], []):
                levels_of[levels[e]].append(node[e])
                grid.at_node.setdefault(node[e], []).append(s)
    return grid


def _search(grid: Grid, starts: dict, stop_kind: str):
    """Dijkstra from ``starts`` ({node: metres}) to the first node holding a station of ``stop_kind``; a station
    is reached, never passed (a feeder starts there). (metres, station, [conductor positions from the station
    back towards the start: the first is the one leaving the station]) or None."""
    best = dict(starts)
    queue = [(d, n) for n, d in starts.items()]
    heapq.heapify(queue)
    done = set()
    came = {}  # node -> (previous node, conductor)
    while queue:
        d, node = heapq.heappop(queue)
        if node in done:
            continue
        done.add(node)
        found = [s for s in grid.at_node.get(node, ()) if grid.kind(s) == stop_kind]
        if found:
            path, at = [], node
            while at in came:
                at, conductor = came[at]
                path.append(conductor)
            return d, min(found), path
        for other, length, conductor in grid.adjacent.get(node, ()):
            if other not in done and d + length < best.get(other, float("inf")):
                best[other] = d + length
                came[other] = (node, conductor)
                heapq.heappush(queue, (d + length, other))
    return None


def _asset(assets: Assets, i: int) -> dict:
    return {"id": int(assets.ids[i]), "ext_id": assets.ext_ids[i]}


def _upstream(grid: Grid, transformer: int) -> dict:
    """The substation and the feeder a transformer hangs on, along the MV conductors (None where the map
    cannot tell)."""
    starts = {n: 0.0 for n in grid.nodes_of_station.get(transformer, {}).get("mv", [])}
    here = grid.stations.geoms[transformer]
    for s in range(len(grid.stations)):  # a substation drawn at the transformer itself (a compact station)
        if grid.kind(s) == "substation" and shapely.distance(grid.stations.geoms[s], here) <= STATION_SNAP_M:
            return {"substation": _asset(grid.stations, s), "feeder": None}
    found = _search(grid, starts, "substation") if starts else None
    if found is None:
        return {"substation": None, "feeder": None}
    _d, s, path = found
    return {"substation": _asset(grid.stations, s),
            "feeder": _asset(grid.conductors, path[0]) if path else None}


def _feeder_transformers(grid: Grid, conductor: int) -> list[int]:
    """The transformers on the MV nodes reachable from a conductor without passing a substation: what a
    fault on that MV conductor leaves without supply once the feeder's breaker opens."""
    a, b = grid.ends[conductor]
    seen, stack, found = {a, b}, [a, b], set()
    while stack:
        node = stack.pop()
        stations = grid.at_node.get(node, ())
        found.update(s for s in stations if grid.kind(s) == "transformer")
        if any(grid.kind(s) == "substation" for s in stations):
            continue
        for other, _length, _c in grid.adjacent.get(node, ()):
            if other not in seen:
                seen.add(other)
                stack.append(other)
    return sorted(found)


def _parcels_of(grid: Grid, transformers: list[int]) -> list[int]:
    """Parcels whose nearest transformer (within FEEDER_PARCELS_M) is one of ``transformers``."""
    is_transformer = np.array([k == "transformer" for k in grid.stations.kinds], dtype=bool)
    if not transformers or not is_transformer.any():
        return []
    positions = np.flatnonzero(is_transformer)
    wanted = set(transformers)
    parcel_ids, parcels = load_parcels()
    if not len(parcels):
        return []
    area = shapely.buffer(shapely.multipoints(grid.stations.geoms[transformers]).envelope, FEEDER_PARCELS_M)
    near = np.flatnonzero(shapely.intersects(parcels, area))
    if not len(near):
        return []
    src, dst = shapely.STRtree(grid.stations.geoms[positions]).query_nearest(
        parcels[near], max_distance=FEEDER_PARCELS_M, all_matches=False)
    return sorted(int(parcel_ids[near[s]]) for s, d in zip(src, dst) if int(positions[d]) in wanted)


def feeding_station(point: shapely.Point, *, conductor_id: int | None = None, grid: Grid | None = None) -> dict | None:
    """What feeds the faulted conductor ``conductor_id`` (else the conductor nearest ``point``): see the module's
    docstring. None when the map has no power conductor and no transformer at all."""
    grid = grid or load_grid()
    conductors = grid.conductors
    transformers = [s for s in range(len(grid.stations)) if grid.kind(s) == "transformer"]
    if not len(conductors):
        if not transformers:
            return None
        t = min(transformers, key=lambda s: shapely.distance(point, grid.stations.geoms[s]))
        return _guess(grid, point, t, level="lv")
    index = {int(fid): i for i, fid in enumerate(conductors.ids)}
    c = index.get(int(conductor_id)) if conductor_id is not None else None
    if c is None:
        c = int(shapely.STRtree(conductors.geoms).nearest(point))
    level = LEVEL[conductors.kinds[c]]
    geom = conductors.geoms[c]
    answer = {"level": level, "conductor": _asset(conductors, c), "id": None, "ext_id": None, "connected": False,
              "cable_m": None, "distance_m": None, "substation": None, "feeder": None, "transformers_cut": [],
              "parcels_affected": []}
    if c not in grid.ends:  # the faulted line is itself an open point: it feeds nothing and nothing feeds it
        answer["open_point"] = True
        return answer
    at = float(geom.project(point))
    a, b = grid.ends[c]
    starts = {a: at, b: float(geom.length) - at}
    if level == "lv":
        found = _search(grid, starts, "transformer")
        if found is None:
            if not transformers:
                return answer
            t = min(transformers, key=lambda s: shapely.distance(point, grid.stations.geoms[s]))
            return {**answer, **_guess(grid, point, t, level="lv")}
        metres, t, _path = found
        answer.update(_asset(grid.stations, t))
        answer.update(connected=True, cable_m=round(metres, 1),
                      distance_m=round(float(shapely.distance(point, grid.stations.geoms[t])), 2),
                      parcels_affected=_parcels_of(grid, [t]), **_upstream(grid, t))
        return answer
    found = _search(grid, starts, "substation")
    if found is not None:
        metres, s, path = found
        answer.update(connected=True, cable_m=round(metres, 1), substation=_asset(grid.stations, s),
                      feeder=_asset(conductors, path[0]) if path else _asset(conductors, c))
    if level == "mv":
        cut = _feeder_transformers(grid, c)
        answer["transformers_cut"] = [_asset(grid.stations, t) for t in cut]
        answer["parcels_affected"] = _parcels_of(grid, cut)
    return answer


def _guess(grid: Grid, point, t: int, *, level: str) -> dict:
    """The nearest transformer, for a line the map connects to no station: named, and marked as a guess."""
    return {"level": level, **_asset(grid.stations, t), "connected": False, "cable_m": None,
            "distance_m": round(float(shapely.distance(point, grid.stations.geoms[t])), 2),
            "substation": None, "feeder": None, "transformers_cut": [],
            "parcels_affected": _parcels_of(grid, [t])}
