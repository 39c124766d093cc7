"""The drawing's measures against the parcel's limits: numbered findings, each *pass*, *fail* or *unknown*
(the drawing does not say), with the value found, the value allowed, the rule's article and where in the drawing
it was read. Pure functions of the drawing, the parcel and the application's declarations — nothing stored."""

import shapely

from panjereh.citymap.vocabulary import zone_admits
from panjereh.plancheck import rules
from panjereh.plancheck.dxf_reader import Drawing

PASS, FAIL, UNKNOWN = "pass", "fail", "unknown"


def _finding(code, status, found, allowed, where="", unit=""):
    return {"rule": code, "name": rules.name(code), "article": rules.article(code), "status": status,
            "found": found, "allowed": allowed, "unit": unit, "where": where}


def _round(value, digits=1):
    return round(float(value), digits)


def measures(drawing: Drawing) -> dict:
    """What the drawing says, in metres and m², unrounded (the rules compare these; the report rounds)."""
    site_area = drawing.site.area
    above = [drawing.storeys[n] for n in sorted(drawing.storeys)]
    footprint = drawing.storeys[0]
    built = sum(s.area for s in above)
    miny, maxy = drawing.site.bounds[1], drawing.site.bounds[3]
    building = shapely.union_all(above)
    return {"site_area_m2": site_area, "floors": len(above), "basements": drawing.basements,
            "ground_floor_m2": footprint.area, "floor_area_m2": built,
            "occupancy_percent": footprint.area / site_area * 100, "density_percent": built / site_area * 100,
            "lot_depth_m": maxy - miny, "building_depth_from_north_m": maxy - building.bounds[1],
            "outside_lot_m2": building.difference(drawing.site).area, "height_m": drawing.roof_level,
            "parking": drawing.parking, "units": drawing.units}


EPSILON = 1e-6  # exactly at the limit passes: a float's last bit is not a violation


def _rounded(m: dict) -> dict:
    return {k: round(v, 2) if isinstance(v, float) else v for k, v in m.items()}


def findings(drawing: Drawing, parcel, *, land_use: str, units: int | None,
             offset_m: float | None = None, model_use: str | None = None) -> tuple[dict, list[dict]]:
    """The numbered findings; ``offset_m``: how far a georeferenced model's lot lies from the parcel;
    ``model_use``: the use the model itself declares (it must be the one applied for)."""
    conf = rules.config()
    limits = rules.limits_of(parcel)
    m = measures(drawing)
    layers = drawing.layers
    storey = layers.get("ground") or f"{layers['storey']}00"
    out = []
    tolerance = conf["site_area_tolerance"]
    mismatch = abs(m["site_area_m2"] - parcel.area_m2) / parcel.area_m2
    placed = offset_m is None or offset_m <= conf["site_offset_m"]
    m["site_offset_m"] = offset_m
    out.append(_finding("site", PASS if placed and mismatch <= tolerance + EPSILON and m["outside_lot_m2"] <= 0.01
                        else FAIL,
                        _round(m["site_area_m2"]), _round(parcel.area_m2), layers["site"], "m²"))
    same_use = model_use is None or model_use == land_use
    out.append(_finding("land_use", PASS if same_use and zone_admits(limits.land_use, land_use) else FAIL,
                        model_use or land_use, limits.land_use))
    out.append(_finding("floors", PASS if m["floors"] <= limits.max_floors else FAIL, m["floors"], limits.max_floors,
                        f"{layers['storey']}…"))
    highest = limits.max_floors * conf["storey_height_m"] + conf["roof_extra_m"]
    height = m["height_m"]
    out.append(_finding("height", UNKNOWN if height is None else PASS if height <= highest + EPSILON else FAIL,
                        None if height is None else _round(height, 2), _round(highest, 2), layers["roof"], "m"))
    out.append(_finding("occupancy", PASS if m["occupancy_percent"] <= limits.occupancy_percent + EPSILON else FAIL,
                        _round(m["occupancy_percent"]), limits.occupancy_percent, storey, "%"))
    out.append(_finding("density", PASS if m["density_percent"] <= limits.density_percent + EPSILON else FAIL,
                        _round(m["density_percent"]), limits.density_percent, f"{layers['storey']}…", "%"))
    allowed_depth = m["lot_depth_m"] * conf["depth_share"] + conf["depth_extra_m"]
    out.append(_finding("depth", PASS if m["building_depth_from_north_m"] <= allowed_depth + EPSILON else FAIL,
                        _round(m["building_depth_from_north_m"], 2), _round(allowed_depth, 2),
                        f"{layers['storey']}…", "m"))
    if land_use == "residential":
        declared = units if units is not None else m["units"]
        needed = None if declared is None else declared * conf["parking_per_unit"]
    else:
        needed = int(-(-m["floor_area_m2"] // conf["parking_per_m2"]))
    out.append(_finding("parking", UNKNOWN if needed is None else PASS if m["parking"] >= needed else FAIL,
                        m["parking"], needed, layers["parking"]))
    if units is not None and m["units"] is not None:
        out.append(_finding("units", PASS if m["units"] == units else FAIL, m["units"], units, layers["unit"]))
    else:
        out.append(_finding("units", UNKNOWN, m["units"], units, layers["unit"]))
    for number, item in enumerate(out, 1):
        item["number"] = number
    report = _rounded(m)
    report["limits"] = {"source": limits.source, "zone": limits.zone}
    return report, out
