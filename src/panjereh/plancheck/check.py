"""The drawing's measures against the parcel's limits: numbered findings, each *pass*, *fail* or *unknown*
(the drawing does not say), with the value found, the value allowed, the rule's article and where in the drawing
it was read. Pure functions of the drawing, the parcel and the application's declarations — nothing stored."""

import shapely
from django.utils.translation import gettext as _

from panjereh.citymap.vocabulary import zone_admits
from panjereh.core.text import Localized
from panjereh.plancheck import placement as placing
from panjereh.plancheck import rules
from panjereh.plancheck.dxf_reader import Drawing

PASS, FAIL, UNKNOWN = "pass", "fail", "unknown"


def _finding(code, status, found, allowed, where="", unit="", note=""):
    return {"rule": code, "name": rules.name(code), "article": rules.article(code), "status": status,
            "found": found, "allowed": allowed, "unit": unit, "where": where, "note": str(note)}


def _round(value, digits=1):
    return round(float(value), digits)


def measures(drawing: Drawing) -> dict:
    """What the drawing says, in metres and m², unrounded (the rules compare these; the report rounds)."""
    site_area = drawing.site.area
    above = [drawing.storeys[n] for n in sorted(drawing.storeys)]
    footprint = drawing.storeys[0]
    # the floor areas the model states (its base quantities), else the outlines' areas
    built = sum(drawing.floor_areas.get(n, drawing.storeys[n].area) for n in sorted(drawing.storeys))
    miny, maxy = drawing.site.bounds[1], drawing.site.bounds[3]
    building = shapely.union_all(above)
    return {"site_area_m2": site_area, "floors": len(above), "basements": drawing.basements,
            "ground_floor_m2": footprint.area, "floor_area_m2": built, "areas_from": drawing.areas_from,
            "floor_area_geometry_m2": sum(s.area for s in above),
            "occupancy_percent": footprint.area / site_area * 100, "density_percent": built / site_area * 100,
            "lot_depth_m": maxy - miny, "building_depth_from_north_m": maxy - building.bounds[1],
            "outside_lot_m2": building.difference(drawing.site).area, "height_m": drawing.roof_level,
            "parking": drawing.parking, "units": drawing.units}


EPSILON = 1e-6  # exactly at the limit passes: a float's last bit is not a violation


def _rounded(m: dict) -> dict:
    return {k: round(v, 2) if isinstance(v, float) else v for k, v in m.items()}


def _placement_note(placed: placing.Placement) -> str:
    if placed.how == placing.GEOREFERENCE:
        return _("Placed by the model's IfcMapConversion.")
    if placed.how == placing.POSITION:
        return _("Placed by its coordinates (drawn in the city's coordinates).")
    if round(placed.rotation_deg) == 0:
        return _("Placed by the lot's shape, north up as drawn.")
    return _("Placed by the lot's shape, turned %(angle)s°.") % Localized({"angle": round(placed.rotation_deg)})


def _line(street: dict) -> shapely.Geometry:
    return shapely.from_wkb(bytes(street["geom"].wkb))


def planned_strip(street: dict) -> shapely.Polygon:
    """The street at its planned width (today's where the plan does not widen it): its edge is the street line."""
    return _line(street).buffer(street["planned_width_m"] / 2, cap_style="flat")


def street_lines(streets: list[dict], parcel_shape) -> list:
    """The street lines (each street's planned edge) near the parcel, as lines — the report's figure draws them."""
    near = parcel_shape.buffer(6.0).envelope
    lines = []
    for street in streets:
        cut = planned_strip(street).exterior.intersection(near)
        lines += [part for part in getattr(cut, "geoms", [cut]) if part.geom_type == "LineString" and part.length]
    return lines


def _street(building, streets: list[dict], limits, fitted: bool) -> dict:
    """The building's distance behind the street line — the street's planned edge (half its planned width from
    the centreline; the land between today's edge and it is given up to the widening) — against the zone's
    setback. Cannot tell when the drawing does not fit the parcel, or the parcel has no street on the map."""
    if not streets:
        return _finding("street", UNKNOWN, None, limits.setback_m, "", "m",
                        _("No street beside the parcel on the map."))
    if not fitted:
        return _finding("street", UNKNOWN, None, limits.setback_m, "", "m",
                        _("The drawing does not lie on the parcel: the street line cannot be read."))
    behind = [(float(building.distance(_line(s))) - s["planned_width_m"] / 2, s) for s in streets]
    distance, street = min(behind, key=lambda pair: pair[0])
    widened = street["planned_width_m"] > street["width_m"]
    note = _("%(street)s, planned width %(width)s m") % Localized(
        {"street": street["name"], "width": round(street["planned_width_m"], 1)}) if widened else street["name"]
    return _finding("street", PASS if distance >= limits.setback_m - EPSILON else FAIL, _round(distance, 2),
                    _round(limits.setback_m, 2), "", "m", note)


def _given_up(parcel_shape, streets: list[dict]) -> float:
    """The parcel's land inside the streets' planned widths: what the owner gives up to a widening (m²)."""
    strips = [planned_strip(s) for s in streets if s["planned_width_m"] > s["width_m"]]
    return float(parcel_shape.intersection(shapely.union_all(strips)).area) if strips else 0.0


def findings(placed: placing.Placement, parcel, *, land_use: str, units: int | None, model_use: str | None = None,
             streets: list[dict] | None = None) -> tuple[dict, list[dict]]:
    """The numbered findings of the drawing as placed on the parcel (:mod:`placement`); ``model_use``: the use
    the model itself declares (it must be the one applied for); ``streets``: the streets beside the parcel
    (:func:`panjereh.citymap.public_layers.streets_beside`)."""
    drawing = placed.drawing
    streets = streets or []
    conf = rules.config()
    limits = rules.limits_of(parcel)
    m = measures(drawing)
    layers = drawing.layers
    storey = layers.get("ground") or f"{layers['storey']}00"
    out = []
    tolerance = conf["site_area_tolerance"]
    mismatch = abs(m["site_area_m2"] - parcel.area_m2) / parcel.area_m2
    out.append(_finding("site", PASS if mismatch <= tolerance + EPSILON and m["outside_lot_m2"] <= 0.01 else FAIL,
                        _round(m["site_area_m2"]), _round(parcel.area_m2), layers["site"], "m²",
                        _("Part of the building lies outside the lot.") if m["outside_lot_m2"] > 0.01 else ""))
    fitted = placed.fit_m <= conf["site_fit_m"] + EPSILON
    m.update(placed_by=placed.how, rotation_deg=placed.rotation_deg, site_fit_m=placed.fit_m,
             site_offset_m=placed.offset_m)
    out.append(_finding("placement", PASS if fitted else FAIL, _round(placed.fit_m, 2), _round(conf["site_fit_m"], 2),
                        layers["site"], "m", _placement_note(placed)))
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
                        _round(m["density_percent"]), limits.density_percent, f"{layers['storey']}…", "%",
                        _("Floor areas from the model's base quantities.") if drawing.areas_from == "quantities"
                        else ""))
    allowed_depth = m["lot_depth_m"] * conf["depth_share"] + conf["depth_extra_m"]
    out.append(_finding("depth", PASS if m["building_depth_from_north_m"] <= allowed_depth + EPSILON else FAIL,
                        _round(m["building_depth_from_north_m"], 2), _round(allowed_depth, 2),
                        f"{layers['storey']}…", "m"))
    building = shapely.union_all([drawing.storeys[n] for n in sorted(drawing.storeys)])
    street = _street(building, streets, limits, fitted)
    street["where"] = f"{layers['storey']}…"
    out.append(street)
    m["street_setback_m"] = street["found"]
    m["given_up_m2"] = _given_up(shapely.from_wkb(bytes(parcel.geom.wkb)), streets)
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
    report["limits"] = {"source": limits.source, "zone": limits.zone, "setback_m": limits.setback_m}
    return report, out
