"""Build the demo city: parcels, streets, every network, planted faults and their manifest.

The networks are laid along the streets by the rules of DOMAIN.md (offsets in
:data:`panjereh.democity.layout.OFFSETS`); then a few faults are planted on
purpose so that later checks have something known to find. The manifest says
exactly what was planted.
"""

import math
import time

import numpy as np
import shapely
import shapely.affinity
from django.db import connection, transaction

from panjereh.agencies.models import Agency
from panjereh.cities.services import home_city_id
from panjereh.citymap import crs as crsmod
from panjereh.citymap import spatial_sql
from panjereh.citymap.importing import PreparedFeatures, feature_row
from panjereh.citymap.models import Feature, Layer, LayerVersion, Parcel
from panjereh.core.text import persian_digits
from panjereh.citymap.services import publish_version
from panjereh.core import audit, bulk
from panjereh.democity.layout import BRIDGE_EVERY, HALF, OFFSETS, PARCELS_PER_ROW, Grid, make_grid
from panjereh.democity.models import DemoBuild

# code, agency, fa, en, kind, geometry type, allowed kinds, visibility
LAYERS = [
    ("parcels", "municipality", "قطعات ثبتی", "Parcels", "parcels", "Polygon", [], "staff"),
    ("streets", "municipality", "معابر", "Streets", "generic", "LineString", [], "public"),
    ("water-mains", "water", "خطوط آب", "Water mains", "network", "LineString", ["water_main"], "staff"),
    ("water-nodes", "water", "شیرها و شیرهای آتش‌نشانی", "Water valves and hydrants", "network", "Point",
     ["valve", "hydrant"], "staff"),
    ("sewer-lines", "water", "خطوط فاضلاب", "Sewers", "network", "LineString", ["sewer"], "staff"),
    ("sewer-nodes", "water", "منهول‌ها", "Manholes", "network", "Point", ["manhole"], "staff"),
    ("power-cables", "power", "کابل‌های برق", "Power cables", "network", "LineString", ["mv_cable", "lv_cable"],
     "staff"),
    ("power-nodes", "power", "ترانسفورماتورها", "Transformers", "network", "Point", ["transformer"], "staff"),
    ("gas-mains", "gas", "لوله‌های گاز", "Gas mains", "network", "LineString", ["gas_main", "gas_service"], "staff"),
    ("gas-nodes", "gas", "شیرها و ایستگاه‌های گاز", "Gas valves and regulators", "network", "Point",
     ["valve", "gas_regulator"], "staff"),
    ("telecom-ducts", "telecom", "داکت‌های مخابرات", "Telecom ducts", "network", "LineString", ["telecom_duct"],
     "staff"),
    ("telecom-nodes", "telecom", "کافوهای مخابرات", "Telecom cabinets", "network", "Point", ["telecom_cabinet"],
     "staff"),
]

LINE_LAYER = {"water_main": "water-mains", "sewer": "sewer-lines", "lv_cable": "power-cables",
              "mv_cable": "power-cables", "gas_main": "gas-mains", "telecom_duct": "telecom-ducts"}
USE_WEIGHTS = [("residential", .70), ("commercial", .08), ("mixed", .06), ("administrative", .04),
               ("educational", .04), ("health", .03), ("green_space", .03), ("industrial", .02)]
REGION_VALUE = [45, 60, 80, 120, 70, 50, 35, 90]  # million rials per m², by region
POSTAL_DIGITS = "1345789"
PREFIX = {"water_main": "WM", "sewer": "SEW", "gas_main": "GAS", "lv_cable": "LV", "mv_cable": "MV",
          "telecom_duct": "TD"}


class DemoCityExists(Exception):
    """A demo city (or real parcels) is already in the database."""


def postal_code(block: int, sub: int) -> str:
    """A valid, unique 10-digit postal code for parcel ``sub`` of block ``block``."""
    head = "6"
    n = block % 2401
    for _ in range(4):
        head += POSTAL_DIGITS[n % 7]
        n //= 7
    return head + f"{(block // 2401) * 20 + sub:05d}"


def _row(kind: str, ext_id: str, rng, **extra) -> dict:
    return feature_row(ext_id=ext_id, kind=kind, install_year=int(rng.integers(1975, 2025)), **extra)


LINE_SPECS = {
    # kind: (depth range, diameter choices, materials, extra)
    "water_main": ((1.0, 1.5), (100, 150, 200, 250, 300), ("ductile_iron", "pvc", "asbestos_cement", "hdpe"), {}),
    "sewer": ((2.0, 4.0), (200, 250, 300, 400), ("concrete", "pvc", "grp"), {}),
    "gas_main": ((1.0, 1.2), (63, 90, 110, 160), ("pe", "steel"), {"pressure_class": "60psi"}),
    "lv_cable": ((0.8, 1.0), (None,), ("xlpe",), {"voltage_kv": 0.4}),
    "mv_cable": ((0.9, 1.0), (None,), ("xlpe",), {"voltage_kv": 20.0}),
    "telecom_duct": ((0.6, 0.8), (110,), ("pvc", "hdpe"), {}),
}


class CityBuilder:
    """Lays out one demo city in memory, then stores it through the map's own services."""

    def __init__(self, parcels: int, seed: int, faults: bool = True):
        self.plant = faults
        self.parcels_wanted = parcels
        self.seed = seed
        self.rng = np.random.default_rng(seed)
        self.grid: Grid = make_grid(parcels)
        self.lines: dict[str, list] = {code: [] for code in set(LINE_LAYER.values())}
        self.points: dict[str, list] = {code: [] for code in ("water-nodes", "sewer-nodes", "power-nodes",
                                                               "gas-nodes", "telecom-nodes")}
        self.streets: list = []
        self.manifest: dict = {"seed": seed, "parcels": parcels, "crs": crsmod.STORAGE, "faults": {}}

    # -- streets and networks ---------------------------------------------------------------
    def _segments(self):
        """Street segments between crossings: ('h'|'v', i, j), skipping river and empty land."""
        g, kept = self.grid, self.grid.kept
        river = g.river_polygon()
        out = []
        for j in range(g.rows + 1):
            for i in range(g.cols):
                seg = shapely.LineString([(g.x(i), g.y(j)), (g.x(i + 1), g.y(j))])
                crosses = seg.intersects(river)
                if crosses and j % BRIDGE_EVERY:
                    continue  # no bridge here
                if not crosses and not ((j > 0 and kept[i, j - 1]) or (j < g.rows and kept[i, j])):
                    continue  # no land on either side
                out.append(("h", i, j))
        for i in range(g.cols + 1):
            for j in range(g.rows):
                if not ((i > 0 and kept[i - 1, j]) or (i < g.cols and kept[i, j])):
                    continue
                seg = shapely.LineString([(g.x(i), g.y(j)), (g.x(i), g.y(j + 1))])
                if seg.intersects(river):
                    continue
                out.append(("v", i, j))
        return out

    def _line(self, axis, i, j, offset):
        g = self.grid
        if axis == "h":
            return shapely.LineString([(g.x(i) + offset, g.y(j) + offset), (g.x(i + 1) + offset, g.y(j) + offset)])
        return shapely.LineString([(g.x(i) + offset, g.y(j) + offset), (g.x(i) + offset, g.y(j + 1) + offset)])

    def lay_networks(self):
        g, rng = self.grid, self.rng
        segments = self._segments()
        # Planted fault: a corner of the city with no gas main at all.
        gi0, gj0 = max(1, g.cols - 6), max(1, g.rows - 5)
        self.no_gas = (gi0, gj0)
        junctions: dict[str, set] = {k: set() for k in OFFSETS}
        for n, (axis, i, j) in enumerate(segments):
            tag = f"{axis}{i}-{j}"
            self.streets.append((self._line(axis, i, j, 0.0), feature_row(
                ext_id=f"ST-{tag}", attrs={"name_fa": f"خیابان {persian_digits((j if axis == 'h' else i) + 1)}", "width_m": HALF * 2,
                                           "axis": "east-west" if axis == "h" else "north-south"})))
            arterial = (axis == "h" and j % 5 == 0) or (axis == "v" and i % 5 == 0)
            for kind, offset in OFFSETS.items():
                if kind == "mv_cable" and not arterial:
                    continue
                if kind == "gas_main" and self.plant and i >= gi0 and j >= gj0:
                    continue  # planted fault: a corner of the city without gas
                depth_range, diameters, materials, extra = LINE_SPECS[kind]
                row = _row(kind, f"{PREFIX[kind]}-{tag}", rng,
                           depth_m=round(float(rng.uniform(*depth_range)), 2),
                           diameter_mm=diameters[int(rng.integers(len(diameters)))],
                           material=materials[int(rng.integers(len(materials)))], **extra)
                line = self._line(axis, i, j, offset)
                self.lines[LINE_LAYER[kind]].append((line, row))
                start = line.coords[0]
                end = line.coords[-1]
                junctions[kind].update([start, end])
                if kind == "water_main":
                    valve = line.interpolate(6.0)
                    self.points["water-nodes"].append((valve, _row("valve", f"WV-{tag}", rng,
                                                                   diameter_mm=row["diameter_mm"], depth_m=1.2)))
                    if axis == "h" and i % 2 == 0:
                        self.points["water-nodes"].append((line.interpolate(0.5, normalized=True),
                                                           _row("hydrant", f"WH-{tag}", rng, diameter_mm=100)))
                if kind == "gas_main" and n % 3 == 0:
                    self.points["gas-nodes"].append((line.interpolate(6.0), _row("valve", f"GV-{tag}", rng,
                                                                                 depth_m=1.0)))
        for (x, y) in sorted(junctions["sewer"]):
            self.points["sewer-nodes"].append((shapely.Point(x, y), _row(
                "manhole", f"MH-{x:.0f}-{y:.0f}", rng, depth_m=round(float(rng.uniform(2.0, 4.0)), 2))))
        for (x, y) in sorted(junctions["lv_cable"]):
            i, j = round((x - OFFSETS["lv_cable"] - g.x0) / (g.x(1) - g.x0)), round(
                (y - OFFSETS["lv_cable"] - g.y0) / (g.y(1) - g.y0))
            if i % 2 == 0 and j % 2 == 0:
                capacity = float((400, 630)[int(rng.integers(2))])
                self.points["power-nodes"].append((shapely.Point(x, y), _row(
                    "transformer", f"TR-{i}-{j}", rng, capacity_kva=capacity,
                    load_kva=round(capacity * float(rng.uniform(0.35, 0.85)), 1), voltage_kv=20.0)))
        # One regulator station per gas district of 8 × 8 blocks, at the junction nearest the district's centre.
        districts: dict[tuple, tuple] = {}
        for (x, y) in sorted(junctions["gas_main"]):
            i, j = round((x - OFFSETS["gas_main"] - g.x0) / (g.x(1) - g.x0)), round(
                (y - OFFSETS["gas_main"] - g.y0) / (g.y(1) - g.y0))
            key = (i // 8, j // 8)
            score = (abs(i - (8 * key[0] + 4)) + abs(j - (8 * key[1] + 4)), i, j)
            if key not in districts or score < districts[key][0]:
                districts[key] = (score, x, y, i, j)
        for _, x, y, i, j in sorted(districts.values()):
            self.points["gas-nodes"].append((shapely.Point(x, y), _row("gas_regulator", f"GR-{i}-{j}", rng,
                                                                       pressure_class="250psi")))
        for (x, y) in sorted(junctions["telecom_duct"]):
            i, j = round((x - OFFSETS["telecom_duct"] - g.x0) / (g.x(1) - g.x0)), round(
                (y - OFFSETS["telecom_duct"] - g.y0) / (g.y(1) - g.y0))
            if i % 3 == 1 and j % 3 == 1:
                self.points["telecom-nodes"].append((shapely.Point(x, y), _row("telecom_cabinet", f"TC-{i}-{j}",
                                                                               rng)))

    # -- planted faults ---------------------------------------------------------------------
    def plant_faults(self):
        g, rng = self.grid, self.rng
        faults = self.manifest["faults"]
        gi0, gj0 = self.no_gas
        area = shapely.box(g.x(gi0), g.y(gj0), g.x(g.cols), g.y(g.rows))
        faults["no_gas_area"] = {"agency": "gas", "service": "gas", "bbox_utm": [round(v, 2) for v in area.bounds],
                                 "blocks": {"cols": [gi0, g.cols - 1], "rows": [gj0, g.rows - 1]}}
        transformers = self.points["power-nodes"]
        pick = int(rng.integers(len(transformers)))
        _, row = transformers[pick]
        row["load_kva"] = round(row["capacity_kva"] * 1.25, 1)
        faults["overloaded_transformer"] = {"agency": "power", "ext_id": row["ext_id"],
                                            "capacity_kva": row["capacity_kva"], "load_kva": row["load_kva"]}
        angle = float(rng.uniform(0, 2 * math.pi))
        dx, dy = round(2.5 * math.cos(angle), 2), round(2.5 * math.sin(angle), 2)
        for code in ("telecom-ducts", "telecom-nodes"):
            target = self.lines.get(code) or self.points[code]
            target[:] = [(shapely.affinity.translate(geom, dx, dy), row) for geom, row in target]
        faults["shifted_layer"] = {"agency": "telecom", "layers": ["telecom-ducts", "telecom-nodes"],
                                   "dx_m": dx, "dy_m": dy}
        # Clearance violations: a few LV cables laid 0.3 m from the gas main, one water main 0.6 m from the sewer.
        violations = []
        gas_by_tag = {r["ext_id"].split("-", 1)[1]: geom for geom, r in self.lines["gas-mains"]}
        candidates = [(k, geom, r) for k, (geom, r) in enumerate(self.lines["power-cables"])
                      if r["kind"] == "lv_cable" and r["ext_id"].startswith("LV-h")
                      and r["ext_id"].split("-", 1)[1] in gas_by_tag]
        for idx in rng.choice(len(candidates), size=min(3, len(candidates)), replace=False):
            k, geom, row = candidates[int(idx)]
            tag = row["ext_id"].split("-", 1)[1]
            # Slid along the street too, so that it runs beside exactly one gas main (the one recorded).
            moved = shapely.affinity.translate(geom, OFFSETS["gas_main"] - OFFSETS["lv_cable"],
                                               OFFSETS["gas_main"] - 0.3 - OFFSETS["lv_cable"])
            self.lines["power-cables"][k] = (moved, row)
            violations.append({"rule": "gas-power", "minimum_m": 0.5, "distance_m": 0.3,
                               "assets": [{"agency": "power", "ext_id": row["ext_id"]},
                                          {"agency": "gas", "ext_id": f"GAS-{tag}"}]})
        waters = [(k, geom, r) for k, (geom, r) in enumerate(self.lines["water-mains"])
                  if r["ext_id"].split("-", 1)[1].startswith("h")]
        k, geom, row = waters[int(rng.integers(len(waters)))]
        tag = row["ext_id"].split("-", 1)[1]
        self.lines["water-mains"][k] = (shapely.affinity.translate(geom, OFFSETS["sewer"] - OFFSETS["water_main"],
                                                                   0.6 - OFFSETS["water_main"]), row)
        violations.append({"rule": "water-sewer", "minimum_m": 1.0, "distance_m": 0.6,
                           "assets": [{"agency": "water", "ext_id": row["ext_id"]},
                                      {"agency": "water", "ext_id": f"SEW-{tag}"}]})
        faults["clearance_violations"] = violations

    # -- parcels ------------------------------------------------------------------------------
    def parcel_rows(self):
        """Yield (wkb, values) for every parcel, block by block."""
        g, rng = self.grid, self.rng
        uses = [u for u, _ in USE_WEIGHTS]
        weights = np.array([w for _, w in USE_WEIGHTS])
        made = 0
        block = 0
        for j in range(g.rows):
            for i in range(g.cols):
                if not g.kept[i, j] or made >= self.parcels_wanted:
                    continue
                block += 1
                region = 1 + min(3, i * 4 // g.cols) + 4 * min(1, j * 2 // g.rows)
                use = "industrial" if (i < g.cols * 0.12 and j < g.rows * 0.12) else uses[
                    int(rng.choice(len(uses), p=weights))]
                floors = int(2 + region % 4 + rng.integers(0, 3)) + (2 if use in {"commercial", "mixed"} else 0)
                value = int(REGION_VALUE[region - 1] * 1_000_000 * float(rng.uniform(0.85, 1.15)))
                x0, y0 = g.x(i) + HALF, g.y(j) + HALF
                x1, y1 = g.x(i + 1) - HALF, g.y(j + 1) - HALF
                ymid = (y0 + y1) / 2
                for row_n, (ya, yb) in enumerate(((y0, ymid), (ymid, y1))):
                    widths = rng.uniform(0.8, 1.2, PARCELS_PER_ROW)
                    edges = x0 + np.concatenate([[0], np.cumsum(widths / widths.sum() * (x1 - x0))])
                    edges[-1] = x1
                    for k in range(PARCELS_PER_ROW):
                        if made >= self.parcels_wanted:
                            break
                        sub = row_n * PARCELS_PER_ROW + k + 1
                        poly = shapely.box(round(edges[k], 2), ya, round(edges[k + 1], 2), yb)
                        land_use = use
                        if use == "residential" and row_n == 0 and j % 5 == 0 and rng.random() < 0.5:
                            land_use = "commercial"
                        made += 1
                        yield shapely.to_wkb(poly, output_dimension=2), (
                            (region + 1) // 2, 1000 + block, sub, postal_code(block, sub), land_use, floors,
                            floors * 60, round(poly.area, 2), region, value)
        self.manifest["parcels_built"] = made

    # -- storing ------------------------------------------------------------------------------
    def store(self, actor=None, progress=None):
        agencies = {a.code: a for a in Agency.objects.all()}
        layers = {}
        for code, agency, fa, en, kind, gtype, allowed, visibility in LAYERS:
            layers[code], _ = Layer.objects.update_or_create(code=code, defaults={
                "agency": agencies[agency], "name_fa": fa, "name_en": en, "kind": kind, "geometry_type": gtype,
                "allowed_kinds": allowed, "visibility": visibility})
        geom = spatial_sql.geom_from_wkb()
        sql = ("INSERT INTO citymap_parcel (city_id, registry_district, plate_main, plate_sub, postal_code, land_use, "
               "max_floors, max_density, area_m2, region, regional_value, geom) VALUES "
               f"(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, {geom})")
        city = home_city_id()
        with transaction.atomic(), bulk.spatialite_index_at_end("citymap_parcel", "geom"):
            bulk.execute_in_chunks(sql, ((city, *values, wkb) for wkb, values in self.parcel_rows()), chunk=5000,
                                   progress=progress)
        parcel_layer = layers["parcels"]
        version = LayerVersion.objects.create(layer=parcel_layer, number=1, source_name="democity",
                                              source_format="democity", source_crs=crsmod.STORAGE,
                                              feature_count=Parcel.objects.count(), note=f"seed {self.seed}")
        parcel_layer.current_version = version
        parcel_layer.save(update_fields=["current_version"])
        named = {"streets": self.streets, **self.lines, **self.points}
        for code, items in named.items():
            prepared = PreparedFeatures(geoms=[g for g, _ in items], rows=[r for _, r in items],
                                        source_crs=crsmod.STORAGE, source_format="democity", source_name="democity")
            publish_version(layer=layers[code], prepared=prepared, actor=actor, note=f"demo city, seed {self.seed}",
                            progress=progress)
        self._probe_parcels()
        if spatial_sql.is_postgis():
            # Fresh tables have no statistics; without them the planner may skip the spatial index.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE citymap_parcel")
                cursor.execute("ANALYZE citymap_feature")

    def _probe_parcels(self):
        """Name parcels that later tests can ask about (e.g. one deep inside the area without gas)."""
        if "no_gas_area" not in self.manifest["faults"]:
            return
        g = self.grid
        gi0, gj0 = self.no_gas
        ci, cj = (gi0 + g.cols) / 2, (gj0 + g.rows) / 2
        centre = shapely.Point(g.x(ci), g.y(cj))
        fault = self.manifest["faults"]["no_gas_area"]
        inside = Parcel.objects.filter(geom__bboverlaps=_envelope(fault["bbox_utm"])).only("pk", "geom")
        best = min(inside, key=lambda p: shapely.from_wkb(bytes(p.geom.wkb)).distance(centre), default=None)
        if best is not None:
            fault["probe_parcel"] = {"registry_district": best.registry_district, "plate_main": best.plate_main,
                                     "plate_sub": best.plate_sub}


def _envelope(bounds):
    from django.contrib.gis.geos import Polygon

    poly = Polygon.from_bbox(bounds)
    poly.srid = crsmod.STORAGE_SRID
    return poly


def build_demo_city(*, parcels: int, seed: int, replace: bool = False, actor=None, progress=None,
                    faults: bool = True) -> DemoBuild:
    """Build the demo city into the database and return its record with the manifest.

    Refuses to run over an existing map unless ``replace`` is given, which deletes
    the parcels and every layer's features first.
    """
    if parcels < 16:
        raise ValueError("parcels: a demo city needs at least 16 parcels (one block)")
    if Parcel.objects.exists() or Feature.objects.exists():
        if not replace:
            raise DemoCityExists("the map already holds parcels or features; use --replace to rebuild it")
        with transaction.atomic():
            Layer.objects.update(current_version=None)
            Feature.objects.all().delete()
            LayerVersion.objects.all().delete()
            Parcel.objects.all().delete()
            DemoBuild.objects.all().delete()
    started = time.monotonic()
    builder = CityBuilder(parcels, seed, faults)
    builder.lay_networks()
    if faults:
        builder.plant_faults()
    builder.store(actor=actor, progress=progress)
    seconds = time.monotonic() - started
    builder.manifest["grid"] = {"cols": builder.grid.cols, "rows": builder.grid.rows}
    with transaction.atomic():
        build = DemoBuild.objects.create(seed=seed, parcels=builder.manifest.get("parcels_built", 0),
                                         seconds=round(seconds, 2), manifest=builder.manifest)
        audit.record(actor=actor, action="democity.build", obj=build, data={"parcels": build.parcels, "seed": seed})
    return build
