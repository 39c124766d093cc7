"""Networks traced from the shared map: which valves isolate a broken pipe, which parcels lose supply,
and which transformer feeds a faulted cable."""

import re
from dataclasses import dataclass

import numpy as np
import shapely

from panjereh.crisis import power
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


def source_segments(traced: TracedNetwork) -> set:
    """The valve segments a source feeds: those holding a source node (reservoir, tank, regulator station) or
    a pump. Empty when the map shows no source: the plans then close the break's own boundary."""
    segments = traced.segments
    fed = {segments.node_segment[n] for n in (traced.sources or set()) if n in segments.node_segment}
    fed |= {segments.link_segment[int(fid)] for fid, kind in zip(traced.pipes.ids, traced.pipes.kinds)
            if kind == "pump" and int(fid) in segments.link_segment}
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
    plan = isolate(traced.segments, link, sources=source_segments(traced))
    valve_ext = {int(v): e for v, e in zip(traced.valves.ids, traced.valves.ext_ids)}
    pipe_ext = {int(p): e for p, e in zip(traced.pipes.ids, traced.pipes.ext_ids)}
    parcels = parcels_supplied_by(traced, set(plan["links"]))
    result = {"close": [{"id": v, "ext_id": valve_ext.get(v, "")} for v in plan["close"]],
              "pipes": [{"id": p, "ext_id": pipe_ext[p]} for p in plan["links"]],
              "parcels_affected": parcels, "if_stuck": []}
    for fallback in plan["if_stuck"]:  # only valves in the close list (segments.isolate)
        result["if_stuck"].append({
            "stuck_valve": {"id": fallback["stuck_valve"], "ext_id": valve_ext.get(fallback["stuck_valve"], "")},
            "close": [{"id": v, "ext_id": valve_ext.get(v, "")} for v in fallback["close"]],
            "pipes": len(fallback["links"]),
            "parcels_affected": len(parcels_supplied_by(traced, set(fallback["links"])))})
    return result


def feeding_transformer(point: shapely.Point, *, cable_id: int | None = None) -> dict | None:
    """The station feeding a faulted power line (kept under its old name for callers of the tracing module):
    :func:`panjereh.crisis.power.feeding_station`, along every conductor kind and voltage level."""
    return power.feeding_station(point, conductor_id=cable_id)
