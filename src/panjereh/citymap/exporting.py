"""Writing a layer version out as GeoJSON, GeoPackage or a zipped Shapefile."""

import os
import tempfile
import zipfile

import numpy as np
import pyogrio.raw
import shapely

from panjereh.citymap import archive
from panjereh.citymap import crs as crsmod
from panjereh.citymap.models import Layer, LayerVersion

EXPORT_FORMATS = {"geojson": ("GeoJSON", ".geojson"), "gpkg": ("GPKG", ".gpkg"), "shapefile-zip": ("ESRI Shapefile", ".zip")}
TYPED = [("ext_id", "ext_id"), ("kind", "kind"), ("status", "status"), ("diameter_mm", "diam_mm"),
         ("material", "material"), ("depth_m", "depth_m"), ("pressure_class", "pressure"), ("voltage_kv", "voltage"),
         ("install_year", "inst_year"), ("capacity_kva", "cap_kva"), ("load_kva", "load_kva")]


def _column(values):
    """A numpy column for pyogrio: numbers stay numbers, everything else becomes text."""
    present = [v for v in values if v is not None]
    if present and all(isinstance(v, bool) for v in present):
        return np.array([None if v is None else int(v) for v in values], dtype=object).astype(str)
    if present and all(isinstance(v, int) and not isinstance(v, bool) for v in present):
        if len(present) == len(values):
            return np.array(values, dtype=np.int64)
        return np.array([np.nan if v is None else float(v) for v in values], dtype=np.float64)
    if present and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in present):
        return np.array([np.nan if v is None else float(v) for v in values], dtype=np.float64)
    return np.array([None if v is None else str(v) for v in values], dtype=object)


def export_layer(layer: Layer, fmt: str, *, version: LayerVersion | None = None, target_crs: str | None = None,
                 directory: str | None = None) -> str:
    """Write a layer version (the current one by default) to a file and return its path.

    GeoJSON is written in CRS84 as RFC 7946 wants; the other formats in EPSG:32639
    unless ``target_crs`` says otherwise.
    """
    if fmt not in EXPORT_FORMATS:
        raise ValueError(f"format: «{fmt}» is not one of {', '.join(EXPORT_FORMATS)}")
    version = version or layer.current_version
    if version is None:
        raise ValueError(f"layer {layer.code} has no version to export yet")
    driver, ext = EXPORT_FORMATS[fmt]
    crs = target_crs or ("OGC:CRS84" if fmt == "geojson" else "EPSG:32639")
    features = list(archive.features_of(version).order_by("id"))
    geoms = np.array([shapely.from_wkb(bytes(f.geom.wkb)) for f in features], dtype=object)
    geoms = crsmod.transform(geoms, "EPSG:32639", crs)
    names, columns = [], []
    short = fmt == "shapefile-zip"
    if layer.kind == Layer.Kind.NETWORK:
        for attr, short_name in TYPED:
            names.append(short_name if short else attr)
            columns.append(_column([getattr(f, attr) if getattr(f, attr) != "" else None for f in features]))
    else:
        names.append("ext_id")
        columns.append(_column([f.ext_id or None for f in features]))
    keys = sorted({k for f in features for k in f.attrs})
    for key in keys:
        names.append(key[:10] if short else key)
        columns.append(_column([f.attrs.get(key) for f in features]))
    directory = directory or tempfile.mkdtemp(prefix="panjereh-export-")
    base = f"{layer.code}-v{version.number}"
    path = os.path.join(directory, base + (".shp" if short else ext))
    gtype = layer.geometry_type if layer.geometry_type != "Any" else "Unknown"
    types = {g.geom_type for g in geoms}
    if any(t.startswith("Multi") for t in types) and gtype != "Unknown":
        gtype = "Multi" + gtype
    pyogrio.raw.write(path, shapely.to_wkb(geoms, output_dimension=2), columns, names, driver=driver, geometry_type=gtype, crs=crs,
                      promote_to_multi=gtype.startswith("Multi") or None, encoding="UTF-8" if short else None,
                      layer=layer.code if fmt == "gpkg" else None)
    if short:
        zpath = os.path.join(directory, base + ".zip")
        with zipfile.ZipFile(zpath, "w", zipfile.ZIP_DEFLATED) as bundle:
            for suffix in (".shp", ".shx", ".dbf", ".prj", ".cpg"):
                part = os.path.join(directory, base + suffix)
                if os.path.exists(part):
                    bundle.write(part, base + suffix)
                    os.remove(part)
        path = zpath
    return path
