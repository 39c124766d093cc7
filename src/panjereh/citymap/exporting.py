"""Writing a layer version out as GeoJSON, GeoPackage or a zipped Shapefile."""

import json
import os
import tempfile
import zipfile

import numpy as np
import pyogrio.raw
import shapely
from django.utils.translation import gettext as _

from panjereh.citymap import archive
from panjereh.citymap import crs as crsmod
from panjereh.citymap.models import Layer, LayerVersion
from panjereh.core.text import Localized

EXPORT_FORMATS = {"geojson": ("GeoJSON", ".geojson"), "gpkg": ("GPKG", ".gpkg"), "shapefile-zip": ("ESRI Shapefile", ".zip")}
TYPED = [("ext_id", "ext_id"), ("kind", "kind"), ("status", "status"), ("diameter_mm", "diam_mm"),
         ("material", "material"), ("depth_m", "depth_m"), ("pressure_class", "pressure"), ("voltage_kv", "voltage"),
         ("install_year", "inst_year"), ("capacity_kva", "cap_kva"), ("load_kva", "load_kva")]


class ExportRefused(ValueError):
    """The format cannot hold this layer's data as it is; ``fields`` names what would be lost."""

    def __init__(self, message: str, fields: list[str]):
        super().__init__(message)
        self.fields = fields


def _column(values) -> tuple[np.ndarray, np.ndarray | None]:
    """A column for pyogrio and its mask of missing values: whole numbers stay whole (a missing one is masked,
    not turned into a float), other numbers stay numbers, JSON values are written as JSON, the rest as text."""
    present = [v for v in values if v is not None]
    missing = np.array([v is None for v in values], dtype=bool)
    mask = missing if missing.any() else None
    if present and all(isinstance(v, bool) for v in present):
        return np.array([None if v is None else int(v) for v in values], dtype=object).astype(str), None
    if present and all(isinstance(v, int) and not isinstance(v, bool) for v in present):
        return np.array([0 if v is None else v for v in values], dtype=np.int64), mask
    if present and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in present):
        return np.array([np.nan if v is None else float(v) for v in values], dtype=np.float64), None
    return np.array([None if v is None else json.dumps(v, ensure_ascii=False) if isinstance(v, (dict, list))
                     else str(v) for v in values], dtype=object), None


SHAPEFILE_TEXT_BYTES = 254  # a dBASE text field holds this many bytes at most
SHAPEFILE_NAME_CHARS = 10


def _refuse_what_a_shapefile_cannot_hold(names: list[str], columns: list[np.ndarray]) -> None:
    """A Shapefile cuts text longer than 254 bytes and field names longer than 10 characters: refused, naming
    the fields, rather than written with data silently lost."""
    long_text = [name for name, column in zip(names, columns) if column.dtype == object and any(
        v is not None and len(str(v).encode("utf-8")) > SHAPEFILE_TEXT_BYTES for v in column)]
    if long_text:
        raise ExportRefused(_("A Shapefile holds at most 254 bytes of text in a field; these fields hold more: "
                              "%(fields)s. Export as GeoPackage or GeoJSON.")
                            % Localized({"fields": "، ".join(long_text)}), long_text)
    padded = [name for name, column in zip(names, columns) if column.dtype == object and any(
        isinstance(v, str) and v != v.strip(" ") for v in column)]
    if padded:  # dBASE pads text with spaces, and readers strip them: "  A-1 " would come back as "A-1"
        raise ExportRefused(_("A Shapefile loses the spaces at the start and end of a text; these fields have "
                              "such values: %(fields)s. Export as GeoPackage or GeoJSON.")
                            % Localized({"fields": "، ".join(padded)}), padded)
    short = [n[:SHAPEFILE_NAME_CHARS] for n in names]
    clashing = sorted({n for n, s in zip(names, short) if short.count(s) > 1})
    if clashing:
        raise ExportRefused(_("A Shapefile's field names have at most 10 characters; these fields would get the "
                              "same name: %(fields)s. Export as GeoPackage or GeoJSON.")
                            % Localized({"fields": "، ".join(clashing)}), clashing)


def _mark_json_columns(path: str, table: str, columns: list[str]) -> None:
    """Declare the columns holding JSON objects or lists as JSON in the GeoPackage (the schema extension's
    ``gpkg_data_columns``, mime type application/json), so GDAL — and Panjereh's own import — reads them back as
    objects, not as text. Written with SQLite directly: a GeoPackage is an SQLite file, and pyogrio has no
    field subtypes to write."""
    import sqlite3

    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE IF NOT EXISTS gpkg_data_columns (table_name TEXT NOT NULL, column_name TEXT NOT "
                   "NULL, name TEXT, title TEXT, description TEXT, mime_type TEXT, constraint_name TEXT, "
                   "CONSTRAINT pk_gdc PRIMARY KEY (table_name, column_name), CONSTRAINT gdc_tn UNIQUE (table_name, "
                   "name))")
        db.executemany("INSERT OR REPLACE INTO gpkg_data_columns (table_name, column_name, mime_type) "
                       "VALUES (?, ?, 'application/json')", [(table, c) for c in columns])
        db.execute("CREATE TABLE IF NOT EXISTS gpkg_extensions (table_name TEXT, column_name TEXT, extension_name "
                   "TEXT NOT NULL, definition TEXT NOT NULL, scope TEXT NOT NULL, CONSTRAINT ge_tce UNIQUE "
                   "(table_name, column_name, extension_name))")
        if not db.execute("SELECT 1 FROM gpkg_extensions WHERE table_name = 'gpkg_data_columns' AND extension_name "
                          "= 'gpkg_schema'").fetchone():
            db.execute("INSERT INTO gpkg_extensions VALUES ('gpkg_data_columns', NULL, 'gpkg_schema', "
                       "'http://www.geopackage.org/spec121/#extension_schema', 'read-write')")


def _write_geojson(path: str, features, geoms, typed: list[tuple[str, str]]) -> None:
    """GeoJSON (RFC 7946, CRS84) with each feature's own attributes only: no key a feature does not have."""
    with open(path, "w", encoding="utf-8") as out:
        out.write('{"type": "FeatureCollection", "features": [')
        for n, (f, geom) in enumerate(zip(features, geoms)):
            props = {attr: getattr(f, attr) for attr, _short in typed if getattr(f, attr) not in (None, "")}
            props.update(f.attrs)
            out.write(("," if n else "") + json.dumps({"type": "Feature", "id": f.pk, "properties": props,
                                                      "geometry": json.loads(shapely.to_geojson(geom))},
                                                     ensure_ascii=False))
        out.write("]}")


def export_layer(layer: Layer, fmt: str, *, version: LayerVersion | None = None, target_crs: str | None = None,
                 directory: str | None = None) -> str:
    """Write a layer version (the current one by default) to a file and return its path.

    GeoJSON is written in CRS84 as RFC 7946 wants; the other formats in the storage CRS
    unless ``target_crs`` says otherwise.
    """
    if fmt not in EXPORT_FORMATS:
        raise ValueError(f"format: «{fmt}» is not one of {', '.join(EXPORT_FORMATS)}")
    version = version or layer.current_version
    if version is None:
        raise ValueError(f"layer {layer.code} has no version to export yet")
    driver, ext = EXPORT_FORMATS[fmt]
    crs = target_crs or ("OGC:CRS84" if fmt == "geojson" else crsmod.STORAGE)
    features = list(archive.features_of(version).order_by("id"))
    geoms = np.array([shapely.from_wkb(bytes(f.geom.wkb)) for f in features], dtype=object)
    geoms = crsmod.transform(geoms, crsmod.STORAGE, crs)
    typed = TYPED if layer.kind == Layer.Kind.NETWORK else [("ext_id", "ext_id")]
    directory = directory or tempfile.mkdtemp(prefix="panjereh-export-")
    base = f"{layer.code}-v{version.number}"
    short = fmt == "shapefile-zip"
    path = os.path.join(directory, base + (".shp" if short else ext))
    if fmt == "geojson":
        _write_geojson(path, features, geoms, typed)
        return path
    names, columns, masks, nested = [], [], [], []
    for attr, short_name in typed:
        names.append(short_name if short else attr)
        column, mask = _column([getattr(f, attr) if getattr(f, attr) != "" else None for f in features])
        columns.append(column)
        masks.append(mask)
    for key in sorted({k for f in features for k in f.attrs}):
        if any(isinstance(f.attrs.get(key), (dict, list)) for f in features):
            nested.append(key)
        names.append(key)
        column, mask = _column([f.attrs.get(key) for f in features])
        columns.append(column)
        masks.append(mask)
    if short:
        _refuse_what_a_shapefile_cannot_hold(names, columns)
        names = [n[:SHAPEFILE_NAME_CHARS] for n in names]
    gtype = layer.geometry_type if layer.geometry_type != "Any" else "Unknown"
    types = {g.geom_type for g in geoms}
    if any(t.startswith("Multi") for t in types) and gtype != "Unknown":
        gtype = "Multi" + gtype
    pyogrio.raw.write(path, shapely.to_wkb(geoms, output_dimension=2), columns, names, field_mask=masks,
                      driver=driver, geometry_type=gtype, crs=crs,
                      promote_to_multi=gtype.startswith("Multi") or None, encoding="UTF-8" if short else None,
                      layer=layer.code if fmt == "gpkg" else None)
    if fmt == "gpkg" and nested:
        _mark_json_columns(path, layer.code, nested)
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
