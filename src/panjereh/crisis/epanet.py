"""EPANET (.inp) water networks, the format water companies model in, imported as layers of the map.

EPANET coordinates are often local (no CRS). Give ``crs`` when they are real coordinates; otherwise the
network is placed with its centre at ``origin`` (lon, lat) and ``scale`` metres per unit. Pipes, pumps and
valves (links) become one line layer; junctions, reservoirs and tanks a point layer. Each line keeps its
EPANET end-node names, so tracing uses EPANET's own topology.
"""

import numpy as np
import shapely
import wntr

from panjereh.agencies.models import Agency
from panjereh.citymap import crs as crsmod
from panjereh.citymap.importing import TEXT_LIMITS, PreparedFeatures, feature_row
from panjereh.citymap.models import Layer
from panjereh.citymap.services import publish_version


def _row(ext_id, kind, **extra):
    """A feature's row, its id as the model writes it: a name longer than the map keeps is refused (by
    :func:`_check_names`), never cut, so the map's id is the model's."""
    return feature_row(ext_id=str(ext_id), kind=kind, **extra)


def _check_names(names, what: str) -> None:
    long = [n for n in names if len(str(n)) > TEXT_LIMITS["ext_id"]]
    if long:
        raise ValueError(f"{len(long)} {what} have names longer than {TEXT_LIMITS['ext_id']} characters, which the "
                         f"map keeps whole or not at all: {', '.join(str(n) for n in long[:5])}")


def _check_inside_city(xy: dict) -> None:
    """Refuse a network placed outside the city (a wrong --crs, or --origin elsewhere), as importlayer does,
    naming a node that is outside and where it fell."""
    names = list(xy)
    lonlat = shapely.get_coordinates(crsmod.transform(shapely.points(np.array([xy[n] for n in names], dtype=float)),
                                                      crsmod.STORAGE, "OGC:CRS84"))
    out = ~crsmod.inside_city(np.hstack([lonlat, lonlat]))
    if out.any():
        west, south, east, north = crsmod.city_bbox_lonlat()
        k = int(np.flatnonzero(out)[0])
        raise ValueError(f"{int(out.sum())} of {len(names)} nodes lie outside the city's extent ({west}–{east} E, "
                         f"{south}–{north} N), e.g. {names[k]} at {lonlat[k, 0]:.5f}, {lonlat[k, 1]:.5f}: check "
                         "--crs (the file's coordinate system), or place the network with --origin and --scale")


def placement(wn, *, crs: str | None, origin: tuple[float, float] | None, scale: float):
    """A function mapping EPANET (x, y) to storage coordinates."""
    if crs:
        return lambda xy: shapely.get_coordinates(crsmod.transform(shapely.points(np.asarray(xy, dtype=float)), crs,
                                                                   crsmod.STORAGE))
    coords = np.array([wn.get_node(n).coordinates for n in wn.node_name_list], dtype=float)
    centre = coords.mean(axis=0)
    from django.conf import settings

    lon, lat = origin or tuple(settings.PANJEREH_CITY_CENTRE)  # the city this deployment serves
    anchor = shapely.get_coordinates(crsmod.to_storage(shapely.Point(lon, lat), "OGC:CRS84"))[0]
    return lambda xy: (np.asarray(xy, dtype=float) - centre) * scale + anchor


STATION_M = 1.0  # a pump or valve whose two nodes share a place is drawn this long (a station, not nothing)


def valve_layer_from(spec: str | None, wn, *, seed: int | None = None):
    """The valves to import with the network: None; ``strategic:N`` or ``random:N`` (generated as WNTR's
    ``generate_valve_layer`` does, with ``seed``); or a CSV file with ``link`` and ``node`` columns."""
    if not spec:
        return None
    kind, _, count = spec.partition(":")
    if kind in ("strategic", "random"):
        try:
            n = int(count)
        except ValueError:
            raise ValueError(f"--valves {spec}: say how many, e.g. {kind}:2") from None
        return wntr.network.generate_valve_layer(wn, kind, n, seed=seed)
    import pandas as pd

    table = pd.read_csv(spec, dtype=str, keep_default_na=False)
    if not {"link", "node"} <= set(table.columns):
        raise ValueError(f"{spec}: a valve file needs the columns link and node")
    links, nodes = set(wn.link_name_list), set(wn.node_name_list)
    problems = []
    for i, (link, node) in enumerate(zip(table["link"], table["node"])):
        row = i + 2  # the file's line: the header is line 1
        if link not in links:
            problems.append(f"row {row}: link {link!r} is not in the network")
        elif node not in nodes:
            problems.append(f"row {row}: node {node!r} is not in the network")
        else:
            ends = (wn.get_link(link).start_node_name, wn.get_link(link).end_node_name)
            if node not in ends:
                # a valve sits on its link next to one of its two nodes; another node would draw it far away
                problems.append(f"row {row}: node {node!r} is not an end of link {link!r} (its ends: {ends[0]}, "
                                f"{ends[1]})")
    if problems:
        more = f" (and {len(problems) - 10} more)" if len(problems) > 10 else ""
        raise ValueError(f"{spec}: " + "; ".join(problems[:10]) + more)
    return table[["node", "link"]]


def _line(xy, start: str, end: str) -> shapely.LineString:
    a, b = np.asarray(xy[start], dtype=float), np.asarray(xy[end], dtype=float)
    if np.linalg.norm(b - a) < 1e-6:  # the two nodes share a place (pump and valve stations often do)
        b = a + np.array([STATION_M, 0.0])
    return shapely.LineString([a, b])


def _check_geometries(geoms, names, what: str) -> None:
    """Every geometry written must be valid and not empty (and a line must have length), named if not."""
    arr = np.asarray(geoms, dtype=object)
    bad = ~shapely.is_valid(arr) | shapely.is_empty(arr)
    if what == "links":
        bad |= shapely.length(arr) <= 0
    if bad.any():
        listed = ", ".join(str(names[i]) for i in np.flatnonzero(bad)[:10])
        raise ValueError(f"{int(bad.sum())} {what} would be invalid geometries: {listed}")


def import_epanet(path: str, *, prefix: str, agency_code: str = "water", crs: str | None = None,
                  origin: tuple[float, float] | None = None, scale: float = 1.0, valve_layer=None, actor=None):
    """Import an .inp file as ``<prefix>-pipes`` and ``<prefix>-nodes`` (and ``<prefix>-valves`` from a wntr
    valve layer, each valve placed on its link 1 m from its node, or halfway on a shorter link). Every feature
    records its network (``prefix``): tracing joins nodes by name within one network only. Returns the
    layers, as published."""
    import re

    # the prefix becomes the layers' codes: the rule createlayer holds them to (a bad code once made every
    # staff user's /ogc/collections a 500)
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,54}[a-z0-9]", prefix or ""):
        raise ValueError(f"--prefix «{prefix}»: a layer code's start, 2–56 lowercase Latin letters, digits and "
                         "dashes (e.g. net3)")
    wn = wntr.network.WaterNetworkModel(path)
    where = placement(wn, crs=crs, origin=origin, scale=scale)
    agency = Agency.objects.get(code=agency_code)
    xy = {name: where([wn.get_node(name).coordinates])[0] for name in wn.node_name_list}
    _check_inside_city(xy)
    _check_names(wn.node_name_list, "nodes")
    _check_names(wn.link_name_list, "links")

    def layer(code, name_en, gtype, kinds):
        obj, _ = Layer.objects.get_or_create(code=code, defaults={
            "name_fa": name_en, "name_en": name_en, "agency": agency, "kind": "network", "geometry_type": gtype,
            "allowed_kinds": kinds})
        return obj

    pipes, pipe_rows, pipe_names = [], [], []
    for name, link in wn.links():
        kind = "pump" if link.link_type == "Pump" else "water_main"
        diameter = getattr(link, "diameter", None)
        pipes.append(_line(xy, link.start_node_name, link.end_node_name))
        pipe_names.append(name)
        pipe_rows.append(_row(name, kind, diameter_mm=round(diameter * 1000, 1) if diameter else None,
                              attrs={"start_node": link.start_node_name, "end_node": link.end_node_name,
                                     "link_type": link.link_type, "network": prefix}))
    nodes, node_rows = [], []
    for name, node in wn.nodes():
        nodes.append(shapely.Point(xy[name]))
        node_rows.append(_row(name, {"Junction": "junction", "Reservoir": "reservoir", "Tank": "tank"}[node.node_type],
                              attrs={"network": prefix}))
    _check_geometries(pipes, pipe_names, "links")
    _check_geometries(nodes, wn.node_name_list, "nodes")
    valves, valve_rows = [], []
    if valve_layer is not None:
        for i, row in valve_layer.iterrows():
            link = wn.get_link(row["link"])
            a = np.asarray(xy[row["node"]])
            b = np.asarray(xy[link.end_node_name if link.start_node_name == row["node"] else link.start_node_name])
            length = max(np.linalg.norm(b - a), 1e-9)
            valves.append(shapely.Point(a + (b - a) * min(1.0, length / 2) / length))
            valve_rows.append(_row(f"V{i}", "valve", attrs={"link": row["link"], "node": row["node"],
                                                            "network": prefix}))
        _check_geometries(valves, [r["ext_id"] for r in valve_rows], "valves")
    published = [(layer(f"{prefix}-pipes", f"{prefix} pipes", "LineString", ["water_main", "pump"]), pipes, pipe_rows),
                 (layer(f"{prefix}-nodes", f"{prefix} nodes", "Point", ["junction", "reservoir", "tank"]), nodes,
                  node_rows)]
    if valve_layer is not None:
        published.append((layer(f"{prefix}-valves", f"{prefix} valves", "Point", ["valve"]), valves, valve_rows))
    for target, geoms, rows in published:
        publish_version(layer=target, prepared=PreparedFeatures(
            geoms=geoms, rows=rows, source_name=path, source_format="epanet"),
            actor=actor)
    return [Layer.objects.select_related("current_version").get(pk=target.pk) for target, _g, _r in published]
