"""Load current features into Shapely arrays for whole-city checks (one query, vectorised geometry)."""

from dataclasses import dataclass

import numpy as np
import shapely
from django.db import connection

from panjereh.citymap import queries, spatial_sql


@dataclass
class Assets:
    ids: np.ndarray
    ext_ids: list
    agencies: list
    layers: list
    kinds: list
    depths: list
    geoms: np.ndarray
    attrs: list
    typed: list = None  # (diameter_mm, material, install_year) of each, for telling one asset from another

    def __len__(self):
        return len(self.ids)

    def subset(self, mask) -> "Assets":
        idx = np.flatnonzero(mask)
        return Assets(self.ids[idx], [self.ext_ids[i] for i in idx], [self.agencies[i] for i in idx],
                      [self.layers[i] for i in idx], [self.kinds[i] for i in idx], [self.depths[i] for i in idx],
                      self.geoms[idx], [self.attrs[i] for i in idx],
                      [self.typed[i] for i in idx] if self.typed is not None else None)


def load_assets(where: str = "", params=()) -> Assets:
    """Every current feature (optionally filtered by an SQL condition on ``f``/``l``), with its geometry."""
    sql = (f"SELECT f.id, f.ext_id, a.code, l.code, f.kind, f.depth_m, {spatial_sql.as_binary('f.geom')}, "
           f"f.attrs, f.diameter_mm, f.material, f.install_year FROM citymap_feature f JOIN citymap_layer l ON l.id = f.layer_id "
           f"JOIN agencies_agency a ON a.id = f.agency_id WHERE {queries.CURRENT} {where} ORDER BY f.id")
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        rows = cursor.fetchall()
    import json

    return Assets(ids=np.array([r[0] for r in rows], dtype=np.int64), ext_ids=[r[1] for r in rows],
                  agencies=[r[2] for r in rows], layers=[r[3] for r in rows], kinds=[r[4] for r in rows],
                  depths=[r[5] for r in rows],
                  geoms=shapely.from_wkb([bytes(r[6]) for r in rows]) if rows else np.array([], dtype=object),
                  attrs=[r[7] if isinstance(r[7], dict) else json.loads(r[7] or "{}") for r in rows],
                  typed=[(r[8], r[9], r[10]) for r in rows])


def load_parcels():
    """(ids, polygons) of every parcel."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, {spatial_sql.as_binary('geom')} FROM citymap_parcel ORDER BY id")
        rows = cursor.fetchall()
    return (np.array([r[0] for r in rows], dtype=np.int64),
            shapely.from_wkb([bytes(r[1]) for r in rows]) if rows else np.array([], dtype=object))
