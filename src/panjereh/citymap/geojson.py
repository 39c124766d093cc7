"""GeoJSON out: features in CRS84 (lon/lat), as RFC 7946 and OGC API – Features want."""

import json

import numpy as np
import shapely

from panjereh.citymap import crs as crsmod


def _geometries_crs84(objs) -> list[dict]:
    geoms = np.array([shapely.from_wkb(bytes(o.geom.wkb)) for o in objs], dtype=object)
    if len(geoms) == 0:
        return []
    geoms = crsmod.to_crs84(geoms)
    geoms = shapely.set_precision(geoms, 1e-8)  # about 1 mm: enough, and shorter
    # RFC 7946 §3.1.6: exterior rings counterclockwise, holes clockwise (the precision step may turn them)
    geoms = shapely.orient_polygons(geoms)
    return [json.loads(shapely.to_geojson(g)) for g in geoms]


def parcel_properties(p) -> dict:
    return {"registry_district": p.registry_district, "plate_main": p.plate_main, "plate_sub": p.plate_sub,
            "plate": p.plate, "postal_code": p.postal_code, "land_use": p.land_use, "max_floors": p.max_floors,
            "max_density": p.max_density, "area_m2": p.area_m2, "region": p.region,
            "regional_value": p.regional_value}


def feature_properties(f) -> dict:
    props = {"layer": f.layer.code if hasattr(f, "layer") else f.layer_id, "agency": f.agency.code,
             "ext_id": f.ext_id}
    if f.kind:
        props.update({"kind": f.kind, "status": f.status, "diameter_mm": f.diameter_mm, "material": f.material,
                      "depth_m": f.depth_m, "pressure_class": f.pressure_class, "voltage_kv": f.voltage_kv,
                      "install_year": f.install_year, "capacity_kva": f.capacity_kva, "load_kva": f.load_kva})
    props.update(f.attrs or {})
    return props


def features(objs, properties) -> list[dict]:
    """GeoJSON Feature dicts for model objects with a ``geom`` field."""
    objs = list(objs)
    return [{"type": "Feature", "id": o.pk, "geometry": g, "properties": properties(o)}
            for o, g in zip(objs, _geometries_crs84(objs))]
