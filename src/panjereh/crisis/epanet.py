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
from panjereh.citymap.importing import PreparedFeatures, feature_row
from panjereh.citymap.models import Layer
from panjereh.citymap.services import publish_version


def _row(ext_id, kind, **extra):
    return feature_row(ext_id=str(ext_id)[:64], kind=kind, **extra)


def placement(wn, *, crs: str | None, origin: tuple[float, float] | None, scale: float):
    """A function mapping EPANET (x, y) to storage coordinates."""
    if crs:
        return lambda xy: shapely.get_coordinates(crsmod.transform(shapely.points(np.asarray(xy, dtype=float)), crs,
                                                                   "EPSG:32639"))
    coords = np.array([wn.get_node(n).coordinates for n in wn.node_name_list], dtype=float)
    centre = coords.mean(axis=0)
    lon, lat = origin or (48.67, 31.32)
    anchor = shapely.get_coordinates(crsmod.to_storage(shapely.Point(lon, lat), "OGC:CRS84"))[0]
    return lambda xy: (np.asarray(xy, dtype=float) - centre) * scale + anchor


def import_epanet(path: str, *, prefix: str, agency_code: str = "water", crs: str | None = None,
                  origin: tuple[float, float] | None = None, scale: float = 1.0, valve_layer=None, actor=None):
    """Import an .inp file as ``<prefix>-pipes`` and ``<prefix>-nodes`` (and ``<prefix>-valves`` from a wntr
    valve layer, each valve placed 1 m from its node along its link). Returns the layers."""
    wn = wntr.network.WaterNetworkModel(path)
    where = placement(wn, crs=crs, origin=origin, scale=scale)
    agency = Agency.objects.get(code=agency_code)
    xy = {name: where([wn.get_node(name).coordinates])[0] for name in wn.node_name_list}

    def layer(code, name_en, gtype, kinds):
        obj, _ = Layer.objects.get_or_create(code=code, defaults={
            "name_fa": name_en, "name_en": name_en, "agency": agency, "kind": "network", "geometry_type": gtype,
            "allowed_kinds": kinds})
        return obj

    pipes, pipe_rows = [], []
    for name, link in wn.links():
        geom = shapely.LineString([xy[link.start_node_name], xy[link.end_node_name]])
        kind = "pump" if link.link_type == "Pump" else "water_main"
        diameter = getattr(link, "diameter", None)
        pipes.append(geom)
        pipe_rows.append(_row(name, kind, diameter_mm=round(diameter * 1000, 1) if diameter else None,
                              attrs={"start_node": link.start_node_name, "end_node": link.end_node_name,
                                     "link_type": link.link_type}))
    nodes, node_rows = [], []
    for name, node in wn.nodes():
        nodes.append(shapely.Point(xy[name]))
        node_rows.append(_row(name, {"Junction": "junction", "Reservoir": "reservoir", "Tank": "tank"}[node.node_type]))
    layers = [layer(f"{prefix}-pipes", f"{prefix} pipes", "LineString", ["water_main", "pump"]),
              layer(f"{prefix}-nodes", f"{prefix} nodes", "Point", ["junction", "reservoir", "tank"])]
    publish_version(layer=layers[0], prepared=PreparedFeatures(wkb=list(shapely.to_wkb(pipes, output_dimension=2)), rows=pipe_rows,
                                                               source_name=path, source_format="epanet"), actor=actor)
    publish_version(layer=layers[1], prepared=PreparedFeatures(wkb=list(shapely.to_wkb(nodes, output_dimension=2)), rows=node_rows,
                                                               source_name=path, source_format="epanet"), actor=actor)
    if valve_layer is not None:
        valves, valve_rows = [], []
        for i, row in valve_layer.iterrows():
            link = wn.get_link(row["link"])
            a = np.asarray(xy[row["node"]])
            b = np.asarray(xy[link.end_node_name if link.start_node_name == row["node"] else link.start_node_name])
            length = max(np.linalg.norm(b - a), 1e-9)
            valves.append(shapely.Point(a + (b - a) * min(1.0, length / 2) / length))
            valve_rows.append(_row(f"V{i}", "valve", attrs={"link": row["link"], "node": row["node"]}))
        layers.append(layer(f"{prefix}-valves", f"{prefix} valves", "Point", ["valve"]))
        publish_version(layer=layers[2], prepared=PreparedFeatures(wkb=list(shapely.to_wkb(valves, output_dimension=2)), rows=valve_rows,
                                                                   source_name=path, source_format="epanet"),
                        actor=actor)
    return layers
