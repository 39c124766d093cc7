"""Make layer files on disk for import tests, with pyogrio (GDAL) and plain JSON."""

import json
import os
import zipfile

import numpy as np
import pyogrio.raw
import shapely

from panjereh.citymap import crs as crsmod

# A short water main in central Ahvaz, lon/lat.
LON, LAT = 48.6702, 31.3204


def water_features(n=3, *, kind="water_main", dx=0.0005):
    """n short lon/lat lines near the centre, with typed attributes."""
    out = []
    for i in range(n):
        line = [[LON + i * dx, LAT], [LON + i * dx + 0.0004, LAT + 0.0002]]
        out.append({"type": "Feature", "geometry": {"type": "LineString", "coordinates": line},
                    "properties": {"id": f"T-{i}", "kind": kind, "status": "active", "diameter_mm": 150,
                                   "material": "hdpe", "depth_m": 1.2, "install_year": 2010}})
    return out


def write_geojson(path, features, crs_name=None):
    doc = {"type": "FeatureCollection", "features": features}
    if crs_name:
        doc["crs"] = {"type": "name", "properties": {"name": crs_name}}
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(doc, fh, ensure_ascii=False)
    return str(path)


def write_ogr(path, features, *, driver, crs="EPSG:4326", source_crs="EPSG:4326"):
    """Write GeoJSON-like features with GDAL (GPKG or ESRI Shapefile), transformed to ``crs``."""
    geoms = np.array([shapely.geometry.shape(f["geometry"]) for f in features], dtype=object)
    if crs and crs != source_crs:
        geoms = crsmod.transform(geoms, source_crs, crs)
    keys = sorted({k for f in features for k in f["properties"]})
    columns = []
    for k in keys:
        values = [f["properties"].get(k) for f in features]
        if all(isinstance(v, (int, float)) for v in values):
            columns.append(np.array(values, dtype=np.float64))
        else:
            columns.append(np.array([None if v is None else str(v) for v in values], dtype=object))
    types = {g.geom_type for g in geoms}
    gtype = types.pop() if len(types) == 1 else "Unknown"
    pyogrio.raw.write(str(path), shapely.to_wkb(geoms), columns, keys, driver=driver, geometry_type=gtype, crs=crs)
    return str(path)


def write_shapefile_zip(directory, features, *, crs="EPSG:32639", with_prj=True):
    base = os.path.join(str(directory), "net")
    write_ogr(base + ".shp", features, driver="ESRI Shapefile", crs=crs)
    zpath = os.path.join(str(directory), "net.zip")
    with zipfile.ZipFile(zpath, "w") as archive:
        for suffix in (".shp", ".shx", ".dbf", ".prj", ".cpg"):
            if suffix == ".prj" and not with_prj:
                continue
            if os.path.exists(base + suffix):
                archive.write(base + suffix, "net" + suffix)
    return zpath
