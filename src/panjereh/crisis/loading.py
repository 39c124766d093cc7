"""Load current features into Shapely arrays for whole-city checks (one query, vectorised geometry)."""

import json
from dataclasses import dataclass

import numpy as np
import shapely
from django.db import connection

from panjereh.citymap import queries, spatial_sql


class JsonColumn:
    """A column of JSON objects read from the database, each parsed when it is first read.

    A whole-city check loads every current feature (two million at a million parcels) but reads the attributes
    of few of them (the streets' widths, the pairs a duplicate check compares): parsing them all was a tenth of
    the consistency run. PostgreSQL's driver gives a dict already; SQLite gives text (or NULL).
    """

    __slots__ = ("_raw",)

    def __init__(self, raw: list):
        self._raw = raw

    def __len__(self):
        return len(self._raw)

    def __getitem__(self, i) -> dict:
        value = self._raw[i]
        if not isinstance(value, dict):
            value = self._raw[i] = json.loads(value or "{}")
        return value

    def __iter__(self):
        return (self[i] for i in range(len(self._raw)))

    def take(self, idx) -> "JsonColumn":
        """The values at positions ``idx`` (still unparsed where they were)."""
        return JsonColumn([self._raw[i] for i in idx])


@dataclass
class Assets:
    ids: np.ndarray
    ext_ids: list
    agencies: list
    layers: list
    kinds: list
    depths: list
    geoms: np.ndarray
    attrs: JsonColumn
    typed: list = None  # (diameter_mm, material, install_year) of each, for telling one asset from another

    def __len__(self):
        return len(self.ids)

    def subset(self, mask) -> "Assets":
        idx = np.flatnonzero(mask)
        return Assets(self.ids[idx], [self.ext_ids[i] for i in idx], [self.agencies[i] for i in idx],
                      [self.layers[i] for i in idx], [self.kinds[i] for i in idx], [self.depths[i] for i in idx],
                      self.geoms[idx], self.attrs.take(idx),
                      [self.typed[i] for i in idx] if self.typed is not None else None)


def load_assets(where: str = "", params=()) -> Assets:
    """Every current feature (optionally filtered by an SQL condition on ``f``/``l``), with its geometry."""
    # the attributes as text, parsed only when read (PostgreSQL's driver would decode every row's JSON)
    attrs = "f.attrs::text" if spatial_sql.is_postgis() else "f.attrs"
    sql = (f"SELECT f.id, f.ext_id, a.code, l.code, f.kind, f.depth_m, {spatial_sql.as_binary('f.geom')}, "
           f"{attrs}, f.diameter_mm, f.material, f.install_year FROM citymap_feature f JOIN citymap_layer l ON l.id = f.layer_id "
           f"JOIN agencies_agency a ON a.id = f.agency_id WHERE {queries.CURRENT} {where} ORDER BY f.id")
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        rows = cursor.fetchall()
    return Assets(ids=np.array([r[0] for r in rows], dtype=np.int64), ext_ids=[r[1] for r in rows],
                  agencies=[r[2] for r in rows], layers=[r[3] for r in rows], kinds=[r[4] for r in rows],
                  depths=[r[5] for r in rows],
                  geoms=shapely.from_wkb([bytes(r[6]) for r in rows]) if rows else np.array([], dtype=object),
                  attrs=JsonColumn([r[7] for r in rows]),
                  typed=[(r[8], r[9], r[10]) for r in rows])


def load_parcels():
    """(ids, polygons) of every parcel."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, {spatial_sql.as_binary('geom')} FROM citymap_parcel ORDER BY id")
        rows = cursor.fetchall()
    return (np.array([r[0] for r in rows], dtype=np.int64),
            shapely.from_wkb([bytes(r[1]) for r in rows]) if rows else np.array([], dtype=object))
