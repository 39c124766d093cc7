"""The demo city's public planning layers (B-READY 4 and 8), published as a municipality imports its own:

- ``zoning-detailed-plan`` — the detailed plan's zones, one per block of the street grid, its code and rules
  (land use, most floors, density, occupancy, setback) read from the block's parcels, so the plan agrees with
  what the single window checks on each parcel;
- ``hazard-flood`` — the Karun's floodplain, a strip beside the river where building needs a raised floor;
- ``hazard-pipelines`` — the safety strip of the oil pipelines that cross Ahvaz's south, where nothing is built.

A city's own deployment imports its own files instead (``panjereh importlayer``); the demo's are made here."""

import collections
import math

import shapely
from django.contrib.gis.db.models.functions import PointOnSurface

from panjereh.agencies.models import Agency
from panjereh.citymap.importing import PreparedFeatures, feature_row
from panjereh.citymap.models import Layer, Parcel
from panjereh.citymap.services import create_layer, publish_version
from panjereh.democity.layout import HALF, PITCH_X, PITCH_Y, Grid, centre

# land use → (zone code prefix, the use as the plan writes it, most occupancy %, setback rule, metres the
# building stands behind the street line — what the plan check measures)
ZONES = {"residential": ("R", "مسکونی", 60, "۶۰٪ طول + ۲ متر", 0), "commercial": ("C", "تجاری", 80, "بر اصلاحی", 0),
         "mixed": ("M", "مختلط مسکونی–تجاری", 70, "۶۰٪ طول + ۲ متر", 0),
         "administrative": ("A", "اداری", 60, "۵ متر", 5), "educational": ("E", "آموزشی", 50, "۶ متر", 6),
         "health": ("H", "درمانی", 50, "۶ متر", 6), "industrial": ("I", "صنعتی", 60, "۱۰ متر", 10),
         "green_space": ("G", "فضای سبز", 5, "—", 0)}
FLOOD_STRIP_M = 120.0
PIPELINE_STRIP_M = 25.0


def _grid(manifest: dict) -> Grid:
    cols, rows = manifest["grid"]["cols"], manifest["grid"]["rows"]
    cx, cy = centre()
    return Grid(cols=cols, rows=rows, x0=cx - cols * PITCH_X / 2, y0=cy - rows * PITCH_Y / 2, river_col=cols / 2)


def _zones(grid: Grid) -> list[tuple]:
    """One zone per block that holds parcels: the block's most common use and its parcels' limits."""
    blocks = collections.defaultdict(list)
    for use, floors, density, point in Parcel.objects.annotate(p=PointOnSurface("geom")).values_list(
            "land_use", "max_floors", "max_density", "p").iterator(chunk_size=2000):
        i, j = math.floor((point.x - grid.x0) / PITCH_X), math.floor((point.y - grid.y0) / PITCH_Y)
        blocks[(i, j)].append((use, floors, density))
    out = []
    for (i, j), parcels in sorted(blocks.items()):
        use = collections.Counter(p[0] for p in parcels).most_common(1)[0][0]
        prefix, use_fa, occupancy, setback, setback_m = ZONES.get(use, ("X", use, 60, "—", 0))
        floors = max(p[1] for p in parcels if p[0] == use)
        density = max(p[2] for p in parcels if p[0] == use)
        box = shapely.box(grid.x(i) + HALF, grid.y(j) + HALF, grid.x(i + 1) - HALF, grid.y(j + 1) - HALF)
        out.append((box, {"zone": f"{prefix}{floors}{density // 10:02d}", "land_use": use_fa, "max_floors": floors,
                          "density": density, "occupancy": occupancy, "setback": setback,
                          "setback_m": setback_m}))
    return out


def _publish(code, name_fa, name_en, features) -> bool:
    if Layer.objects.filter(code=code).exists() or not features:
        return False
    layer = create_layer(actor=None, code=code, name_fa=name_fa, name_en=name_en, kind="generic",
                         geometry_type="Polygon", visibility="public",
                         agency=Agency.objects.get(code="municipality"))
    publish_version(layer=layer, note="demo city", prepared=PreparedFeatures(
        geoms=[g for g, _ in features],
        rows=[feature_row(ext_id=attrs.get("zone") or attrs["id"], attrs=attrs) for _, attrs in features]))
    return True


def publish_planning_layers(manifest: dict) -> list[str]:
    """Publish the three layers that do not exist yet; returns the codes published."""
    grid = _grid(manifest)
    river = grid.river_polygon()
    flood = river.buffer(FLOOD_STRIP_M).difference(river)
    south = grid.y(1) + HALF / 2  # the pipelines run east–west along the second street from the south
    pipeline = shapely.LineString([(grid.x(0) - 200, south), (grid.x(grid.cols) + 200, south + 60)])
    made = []
    if _publish("zoning-detailed-plan", "پهنه‌بندی طرح تفصیلی", "Detailed plan zoning", _zones(grid)):
        made.append("zoning-detailed-plan")
    if _publish("hazard-flood", "پهنهٔ سیل‌گیر کارون", "Karun floodplain", [(flood, {
            "id": "karun-floodplain", "name": "حریم سیل‌گیر کارون",
            "rule": "کف طبقهٔ همکف دست‌کم ۱ متر بالاتر از معبر؛ زیرزمین مسکونی ممنوع"})]):
        made.append("hazard-flood")
    if _publish("hazard-pipelines", "حریم خطوط لوله نفت", "Oil pipelines' safety strip", [(
            pipeline.buffer(PIPELINE_STRIP_M), {"id": "pipeline-south", "name": "حریم خطوط لوله نفت جنوب اهواز",
                                                "rule": "هرگونه ساخت در حریم ممنوع؛ استعلام از شرکت ملی نفت"})]):
        made.append("hazard-pipelines")
    return made
