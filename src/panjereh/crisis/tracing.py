"""Networks traced from the shared map: which valves isolate a broken pipe, which parcels lose supply,
and which transformer feeds a faulted cable."""

import re
from dataclasses import dataclass

import numpy as np
import shapely

from panjereh.crisis.loading import Assets, load_assets, load_parcels
from panjereh.crisis.segments import Network, Segments, isolate, valve_segments

PIPE_KINDS = {"water": ["water_main", "pump"], "gas": ["gas_main", "gas_service"]}
# what feeds a piece of network: a reservoir or tank (water), a regulator station (gas); a pump link too
SOURCE_KINDS = {"water": ["reservoir", "tank"], "gas": ["gas_regulator"]}
SOURCE_SNAP_M = 5.0  # a source drawn this close to a pipe's end feeds that end
SNAP = 2  # decimals of a metre: pipe ends within 1 cm are the same node


def _node(xy) -> str:
    return f"{round(float(xy[0]), SNAP)}:{round(float(xy[1]), SNAP)}"


def network_of(layer_code: str, attrs: dict) -> str:
    """Which imported network a feature belongs to: the ``network`` its import recorded, else its layer's
    code without the -pipes/-nodes/-valves ending (imports before the attribute existed)."""
    return str(attrs.get("network") or re.sub(r"-(pipes|nodes|valves)$", "", layer_code))


@dataclass
class TracedNetwork:
    """A pipe network built from the current map: links are feature ids."""

    agency: str
    pipes: Assets
    valves: Assets
    network: Network
    segments: Segments
    link_index: dict  # feature id -> position in pipes
    sources: set = None  # nodes where a source feeds the network

    def pieces(self) -> Segments:
        """The network's connected pieces (valves ignored)."""
        return valve_segments(Network(links=self.network.links, valves=[]))

    def piece_is_fed(self, link: int) -> bool:
        """Whether the piece ``link`` lies on has a source of its own (a reservoir, tank, pump, station)."""
        whole = self.pieces()
        piece = whole.link_segment[link]
        nodes = {n for n, seg in whole.node_segment.items() if seg == piece}
        pumps = {fid for fid, kind in zip(self.pipes.ids, self.pipes.kinds) if kind == "pump"}
        return bool(nodes & (self.sources or set())) or any(
            whole.link_segment.get(int(fid)) == piece for fid in pumps)

    def component_sizes(self) -> dict:
        """Links per connected piece, valves ignored: a piece that is not the largest is disconnected."""
        whole = valve_segments(Network(links=self.network.links, valves=[]))
        sizes: dict = {}
        for segment in whole.link_segment.values():
            sizes[segment] = sizes.get(segment, 0) + 1
        return {link: sizes[segment] for link, segment in whole.link_segment.items()}


def build_network(agency: str, *, layers: list[str] | None = None) -> TracedNetwork:
    """The agency's pipe network and its valves. Valves carrying (link, node) attributes (EPANET) are used as
    given; other valves sit on the nearest pipe, next to that pipe's nearer end."""
    kinds = PIPE_KINDS[agency]
    where = "AND a.code = %s AND f.kind IN (" + ", ".join(["%s"] * (len(kinds) + 1)) + ")"
    params = [agency, *kinds, "valve"]
    if layers:
        where += " AND l.code IN (" + ", ".join(["%s"] * len(layers)) + ")"
        params += layers
    assets = load_assets(where, params)
    is_valve = np.array([k == "valve" for k in assets.kinds], dtype=bool)
    pipes, valves = assets.subset(~is_valve), assets.subset(is_valve)
    links = {}
    for fid, geom, attrs, layer in zip(pipes.ids, pipes.geoms, pipes.attrs, pipes.layers):
        coords = shapely.get_coordinates(geom)
        if attrs.get("start_node") and attrs.get("end_node"):
            # an EPANET network's own topology, by node name within that network only: two imports of one
            # network (or two networks that both call a node "J-1") never join
            net = network_of(layer, attrs)
            links[int(fid)] = (f"{net}:{attrs['start_node']}", f"{net}:{attrs['end_node']}")
        else:
            links[int(fid)] = (_node(coords[0]), _node(coords[-1]))
    by_ext = {(network_of(layer, attrs), ext): int(fid)
              for fid, ext, attrs, layer in zip(pipes.ids, pipes.ext_ids, pipes.attrs, pipes.layers)}
    placed = []
    if len(valves) and len(pipes):
        tree = shapely.STRtree(pipes.geoms)
        near_src, near_pipe = tree.query_nearest(valves.geoms, max_distance=1.0, all_matches=False)
        nearest = dict(zip(near_src.tolist(), near_pipe.tolist()))
        for k in range(len(valves)):
            attrs = valves.attrs[k]
            net = network_of(valves.layers[k], attrs)
            if (net, attrs.get("link")) in by_ext and attrs.get("node"):
                placed.append((int(valves.ids[k]), by_ext[(net, attrs["link"])], f"{net}:{attrs['node']}"))
                continue
            if k not in nearest:
                continue
            p = nearest[k]
            link = int(pipes.ids[p])
            coords = shapely.get_coordinates(pipes.geoms[p])
            here = shapely.get_coordinates(valves.geoms[k])[0]
            node = links[link][0] if np.linalg.norm(coords[0] - here) <= np.linalg.norm(coords[-1] - here) \
                else links[link][1]
            placed.append((int(valves.ids[k]), link, node))
    network = Network(links=links, valves=placed)
    return TracedNetwork(agency=agency, pipes=pipes, valves=valves, network=network,
                         segments=valve_segments(network),
                         link_index={int(fid): i for i, fid in enumerate(pipes.ids)},
                         sources=_source_nodes(agency, pipes, links, layers))


def _source_nodes(agency: str, pipes: Assets, links: dict, layers: list[str] | None) -> set:
    """The network nodes a source feeds: an EPANET source by its node name in its network; a source drawn on
    the map at (or within SOURCE_SNAP_M of) a pipe's end, by that end."""
    kinds = SOURCE_KINDS.get(agency, [])
    if not kinds or not len(pipes):
        return set()
    where = "AND a.code = %s AND f.kind IN (" + ", ".join(["%s"] * len(kinds)) + ")"
    params = [agency, *kinds]
    if layers:
        nets = {re.sub(r"-(pipes|nodes|valves)$", "", code) for code in layers}
        where += " AND l.code IN (" + ", ".join(["%s"] * len(nets)) + ")"
        params += [f"{net}-nodes" for net in sorted(nets)]
    sources = load_assets(where, params)
    fed = set()
    ends, names = [], []
    for fid, geom in zip(pipes.ids, pipes.geoms):
        coords = shapely.get_coordinates(geom)
        for xy, node in zip((coords[0], coords[-1]), links[int(fid)]):
            ends.append(shapely.Point(xy))
            names.append(node)
    tree = shapely.STRtree(ends)
    for ext, geom, attrs, layer in zip(sources.ext_ids, sources.geoms, sources.attrs, sources.layers):
        if ext and (attrs.get("network") or layer.endswith("-nodes")):  # an imported model's node, by name
            fed.add(f"{network_of(layer, attrs)}:{ext}")
        hit = tree.query_nearest(geom, max_distance=SOURCE_SNAP_M, all_matches=True)
        fed.update(names[int(i)] for i in np.atleast_1d(hit))
    return fed


def parcels_supplied_by(traced: TracedNetwork, link_ids: set, *, service_m: float = 50.0) -> list[int]:
    """Parcels whose nearest pipe (within the service distance) is one of ``link_ids``."""
    if not link_ids:
        return []
    idx = [traced.link_index[link] for link in link_ids]
    area = shapely.buffer(shapely.union_all(traced.pipes.geoms[idx]).envelope, service_m)
    parcel_ids, parcels = load_parcels()
    candidates = np.flatnonzero(shapely.intersects(parcels, area))
    if not len(candidates):
        return []
    tree = shapely.STRtree(traced.pipes.geoms)
    src, dst = tree.query_nearest(parcels[candidates], max_distance=service_m, all_matches=False)
    return sorted(int(parcel_ids[candidates[s]]) for s, d in zip(src, dst) if int(traced.pipes.ids[d]) in link_ids)


def isolation_plan(traced: TracedNetwork, link: int) -> dict:
    """Valves to close for a broken pipe, the pipes and parcels cut off, and the plan if a valve is stuck."""
    plan = isolate(traced.segments, link)
    valve_ext = {int(v): e for v, e in zip(traced.valves.ids, traced.valves.ext_ids)}
    pipe_ext = {int(p): e for p, e in zip(traced.pipes.ids, traced.pipes.ext_ids)}
    parcels = parcels_supplied_by(traced, set(plan["links"]))
    result = {"close": [{"id": v, "ext_id": valve_ext.get(v, "")} for v in plan["close"]],
              "pipes": [{"id": p, "ext_id": pipe_ext[p]} for p in plan["links"]],
              "parcels_affected": parcels, "if_stuck": []}
    closing = set(plan["close"])
    for fallback in plan["if_stuck"]:
        if fallback["stuck_valve"] not in closing:
            continue  # a valve the crew is not sent to close cannot be the one found stuck
        result["if_stuck"].append({
            "stuck_valve": {"id": fallback["stuck_valve"], "ext_id": valve_ext.get(fallback["stuck_valve"], "")},
            "close": [{"id": v, "ext_id": valve_ext.get(v, "")} for v in fallback["close"]],
            "pipes": len(fallback["links"]),
            "parcels_affected": len(parcels_supplied_by(traced, set(fallback["links"])))})
    return result


TRANSFORMER_SNAP_M = 10.0  # a station drawn this close to a cable end is connected there (real drawings fan
#                            the cables out around the station: Schutterwald's start 2–5 m from it)


CABLE_END_SNAP_M = 10.0  # cable ends of one kind this close meet (a junction box drawn with its cables fanned out)


def _cable_graph(cables: Assets, transformers: Assets):
    """(adjacency {node: [(node, metres)]}, {node: station index}, {cable id: (node, node)}) of the cables: ends of the same
    kind within CABLE_END_SNAP_M are one node; a normally open cable (an open point between feeders) carries
    nothing; a station within TRANSFORMER_SNAP_M of a node sits on it."""
    lines = [(i, geom) for i, (geom, attrs) in enumerate(zip(cables.geoms, cables.attrs))
             if attrs.get("normally_open") not in (True, 1, "1", "true", "yes")]
    points, kinds = [], []
    for i, geom in lines:
        coords = shapely.get_coordinates(geom)
        points += [coords[0], coords[-1]]
        kinds += [cables.kinds[i]] * 2
    parent = list(range(len(points)))

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    if points:
        tree = shapely.STRtree(shapely.points(np.array(points)))
        left, right = tree.query(shapely.points(np.array(points)), predicate="dwithin", distance=CABLE_END_SNAP_M)
        for a, b in zip(left.tolist(), right.tolist()):
            if a < b and kinds[a] == kinds[b]:
                parent[find(a)] = find(b)
    node = [f"n{find(k)}" for k in range(len(points))]
    adjacent: dict = {}
    for n, (i, geom) in enumerate(lines):
        a, b = node[2 * n], node[2 * n + 1]
        adjacent.setdefault(a, []).append((b, float(geom.length)))
        adjacent.setdefault(b, []).append((a, float(geom.length)))
    station_at = {}
    if points and len(transformers):
        hit_src, hit_end = tree.query(transformers.geoms, predicate="dwithin", distance=TRANSFORMER_SNAP_M)
        for k, e in zip(hit_src.tolist(), hit_end.tolist()):
            station_at.setdefault(node[e], k)
    cable_nodes = {int(cables.ids[i]): (node[2 * n], node[2 * n + 1]) for n, (i, _g) in enumerate(lines)}
    return adjacent, station_at, cable_nodes


def _nearest_station(starts: dict, adjacent: dict, station_at: dict):
    """(cable metres, node) of the station reached first from ``starts`` ({node: metres already}); a station
    is reached but never passed through (it is where its feeder starts). None when none is connected."""
    import heapq

    queue = [(d, n) for n, d in starts.items()]
    heapq.heapify(queue)
    done = set()
    while queue:
        d, node = heapq.heappop(queue)
        if node in done:
            continue
        done.add(node)
        if node in station_at:
            return d, node
        for other, length in adjacent.get(node, ()):
            if other not in done:
                heapq.heappush(queue, (d + length, other))
    return None


def feeding_transformer(point: shapely.Point, *, feeder_m: float = 400.0, cable_id: int | None = None) -> dict | None:
    """The station feeding a faulted cable: the transformer reached first along the cables from the fault
    (Dijkstra over cable lengths, not crossing another station: a station is where a feeder starts; a cable
    marked ``normally_open`` — an open point between feeders — carries nothing), and
    the parcels it feeds (those nearest to it). A cable the map does not connect to any station falls back to
    the nearest transformer, and says so (``connected`` false)."""
    transformers = load_assets("AND f.kind = %s", ["transformer"])
    if not len(transformers):
        return None
    cables = load_assets("AND f.kind IN (%s, %s)", ["lv_cable", "mv_cable"])
    t, connected, along = None, False, None
    if len(cables):
        adjacent, station_at, cable_nodes = _cable_graph(cables, transformers)
        # where the fault is: on the cable given, else the cable nearest the point
        index = {int(fid): i for i, fid in enumerate(cables.ids)}
        c = index.get(int(cable_id)) if cable_id is not None else None
        if c is None:
            c = int(shapely.STRtree(cables.geoms).nearest(point))
        geom = cables.geoms[c]
        at = float(geom.project(point))
        best = None
        if int(cables.ids[c]) in cable_nodes:
            a, b = cable_nodes[int(cables.ids[c])]
            best = _nearest_station({a: at, b: float(geom.length) - at}, adjacent, station_at)
        if best is not None:
            t, connected, along = station_at[best[1]], True, best[0]
    if t is None:
        t = int(shapely.STRtree(transformers.geoms).nearest(point))
    here = transformers.geoms[t]
    parcel_ids, parcels = load_parcels()
    near = np.flatnonzero(shapely.dwithin(parcels, here, feeder_m))
    src, dst = shapely.STRtree(transformers.geoms).query_nearest(parcels[near], all_matches=False)
    fed = sorted(int(parcel_ids[near[s]]) for s, d in zip(src, dst) if int(d) == t)
    return {"id": int(transformers.ids[t]), "ext_id": transformers.ext_ids[t], "connected": connected,
            "cable_m": round(along, 1) if along is not None else None,
            "distance_m": round(float(shapely.distance(point, here)), 2), "parcels_affected": fed}
