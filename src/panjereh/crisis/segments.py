"""Valve isolation segments of a pipe network, the way water utilities (and wntr) define them.

A network is pipes (links) between nodes. A valve sits on a pipe next to one of its nodes: closing it cuts
that pipe from that node. A *segment* is what stays connected when every valve is closed: the smallest piece
that can be isolated. To isolate a pipe, close the valves on the boundary of its segment. If one of those is
stuck, the next-larger segment is the union with the segment on the valve's other side.

Pure Python on plain identifiers, so it can be checked against ``wntr.metrics.valve_segments``.
"""

from collections import defaultdict
from dataclasses import dataclass, field


@dataclass
class Network:
    links: dict  # link id -> (start node, end node)
    valves: list  # (valve id, link id, node id)
    _parent: dict = field(default_factory=dict, repr=False)

    def _find(self, x):
        parent = self._parent
        root = x
        while parent.setdefault(root, root) != root:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return root

    def _union(self, a, b):
        ra, rb = self._find(a), self._find(b)
        if ra != rb:
            self._parent[ra] = rb


@dataclass
class Segments:
    """Segment ids for every node and link, and the valves on each segment's boundary."""

    node_segment: dict
    link_segment: dict
    boundary: dict  # segment -> [(valve id, link id, node id, other segment)]

    def members(self, segment) -> tuple[list, list]:
        """(nodes, links) of a segment."""
        return ([n for n, s in self.node_segment.items() if s == segment],
                [link for link, s in self.link_segment.items() if s == segment])


def valve_segments(network: Network) -> Segments:
    """Group nodes and links into segments: a link joins each end node unless a valve sits there."""
    cut = {(link, node) for _, link, node in network.valves}
    for link, (a, b) in network.links.items():
        network._find(("L", link))
        for node in (a, b):
            network._find(("N", node))
            if (link, node) not in cut:
                network._union(("L", link), ("N", node))
    roots: dict = {}

    def seg(key):
        return roots.setdefault(network._find(key), len(roots) + 1)

    node_segment, link_segment = {}, {}
    for link, (a, b) in network.links.items():
        link_segment[link] = seg(("L", link))
        node_segment.setdefault(a, seg(("N", a)))
        node_segment.setdefault(b, seg(("N", b)))
    boundary = defaultdict(list)
    for valve, link, node in network.valves:
        if link not in link_segment or node not in node_segment:
            continue
        s_link, s_node = link_segment[link], node_segment[node]
        if s_link != s_node:
            boundary[s_link].append((valve, link, node, s_node))
            boundary[s_node].append((valve, link, node, s_link))
    return Segments(node_segment, link_segment, dict(boundary))


def isolate(segments: Segments, link, sources: set | None = None) -> dict:
    """What to close to isolate ``link``: its segment, the valves, and for each valve the next-larger segment
    if that valve is stuck. With ``sources`` (the segments a source feeds: a reservoir, a tank, a pump), the
    least left without supply and the fewest valves for it (:func:`cut_off`): the pipes cut off are the break's
    segment and whatever depends on it alone. Without sources on the map, the valves on the segment's boundary
    (:func:`cut_around`)."""
    segment = segments.link_segment[link]
    valves = segments.boundary.get(segment, [])

    def plan(merged: set) -> tuple[list, set]:
        cut = cut_off(segments, merged, sources) if sources else None
        return cut if cut is not None else (cut_around(segments, merged), set(merged))

    close, inside = plan({segment})
    closing = set(close)
    fallbacks = []
    for valve, v_link, v_node, other in valves:
        if valve not in closing or other in inside:
            continue  # only a valve the crew is sent to close can be found stuck
        f_close, f_inside = plan(inside | {other})
        nodes, links = _members(segments, f_inside)
        fallbacks.append({"stuck_valve": valve, "segment": other, "close": f_close,
                          "links": sorted(links, key=str), "nodes": sorted(nodes, key=str)})
    nodes, links = _members(segments, inside)
    return {"segment": segment, "links": sorted(links, key=str), "nodes": sorted(nodes, key=str),
            "close": close, "if_stuck": fallbacks}


def _members(segments: Segments, inside: set) -> tuple[set, set]:
    return ({n for n, s in segments.node_segment.items() if s in inside},
            {link for link, s in segments.link_segment.items() if s in inside})


def cut_off(segments: Segments, merged: set, sources: set) -> tuple[list, set] | None:
    """(valves, segments without supply) when ``merged`` is shut: the least left without supply, with the fewest
    valves for it. Shutting the break cuts off with it every segment whose every way to a source passes through
    it (a dead-end branch, with pipes or without): those lose supply whatever is closed, so no valve towards
    them is needed; every valve between that area and a segment still fed must be closed, and no other.
    (A cut with still fewer valves exists at times — one valve far upstream instead of four around the break —
    but it leaves more people without water; the crew closes the four.) None when the merged segments hold a
    source, or no source is known."""
    if not sources or merged & sources:
        return None
    pairs: dict = {}
    adjacent: dict = {}
    for seg, entries in segments.boundary.items():
        for valve, _link, _node, other in entries:
            pairs.setdefault(valve, (seg, other))
            adjacent.setdefault(seg, set()).add(other)
    fed, todo = set(sources), list(sources)
    while todo:  # what a source still reaches with the merged segments shut
        for other in adjacent.get(todo.pop(), ()):
            if other not in fed and other not in merged:
                fed.add(other)
                todo.append(other)
    inside, todo = set(merged), list(merged)
    while todo:  # the break's side: every segment it reaches that no source does
        for other in adjacent.get(todo.pop(), ()):
            if other not in inside and other not in fed:
                inside.add(other)
                todo.append(other)
    close = sorted({valve for valve, (a, b) in pairs.items() if (a in inside) != (b in inside)}, key=str)
    return close, inside


def cut_around(segments: Segments, merged: set) -> list:
    """The fewest valves whose closing cuts the segments ``merged`` off from every other pipe: those on the
    boundary of ``merged``, less those that isolate no pipe. A valve with both sides inside (the stuck one,
    another valve between the same two segments) cuts nothing; a pipe-less segment (a node whose other pipes
    are all valved off) that only touches ``merged`` is a dead end: the valve to it need not be closed."""
    with_pipes = set(segments.link_segment.values())
    inside = set(merged)
    grown = True
    while grown:
        grown = False
        for s in list(inside):
            for _v, _l, _n, beyond in segments.boundary.get(s, []):
                if beyond in inside or beyond in with_pipes:
                    continue
                if all(b in inside for *_rest, b in segments.boundary.get(beyond, [])):
                    inside.add(beyond)
                    grown = True
    return sorted({v for s in inside for v, _l, _n, beyond in segments.boundary.get(s, []) if beyond not in inside},
                  key=str)
