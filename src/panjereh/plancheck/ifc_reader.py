"""Reading a building model (IFC2X3 or IFC4) with ``ifcopenshell`` into what the check measures — the same
:class:`~panjereh.plancheck.dxf_reader.Drawing` a DXF gives, so the rules are one.

- the lot: the ``IfcSite``'s ``FootPrint`` curve (an ``IfcPolyline`` or ``IfcIndexedPolyCurve``), in its placement;
- the storeys: each ``IfcBuildingStorey`` by its elevation (at or above the ground's, 0, a floor; below it a
  basement); its outline the union of its slabs' geometry seen from above (``ifcopenshell.geom``);
- the height: the top of the building's slabs, roofs, walls, columns, beams, stairs and railings above the ground
  floor's level (furniture and fittings are not shaped: they are most of a model and make no outline);
- parking bays: ``IfcSpace`` of predefined type ``PARKING`` (IFC4) or object type ``PARKING`` (IFC2X3);
- dwelling units: ``IfcZone`` (or IFC4's ``IfcSpatialZone``) of object type ``DWELLING`` or ``UNIT``;
- the floor areas: the storey's base quantities (``Qto_BuildingStoreyBaseQuantities.GrossFloorArea``), else its
  slabs' (``Qto_SlabBaseQuantities.GrossArea``), else its spaces' (``Qto_SpaceBaseQuantities.GrossFloorArea``) —
  when every floor above ground states one — else the outlines' areas;
- the use: the ``IfcBuilding``'s classification reference, looked up in the city's table
  (``PANJEREH_PLANCHECK_USE_CLASSES``: a classification's name → code prefix → land use), else
  ``Pset_BuildingCommon.OccupancyType`` (what the application is checked for, when it does not say);
- where on the earth: ``IfcMapConversion`` (IFC4), when present, puts the lot in its CRS to compare with the
  parcel on the map.

Lengths in metres whatever the model's unit (``ifcopenshell.util.unit``).

The model is opened *lazily* (ifcopenshell indexes the file in one pass and parses an instance only when it is
read): the check reads the storeys, their slabs and a few relationships, so a model's furniture and fittings —
most of a large model — are indexed but never parsed, and the memory stays near the file's size."""

import math
import tempfile

import ifcopenshell
import ifcopenshell.geom
import ifcopenshell.util.classification
import ifcopenshell.util.element
import ifcopenshell.util.placement
import ifcopenshell.util.unit
import numpy as np
import shapely
from django.conf import settings
from django.utils.translation import gettext as _

from panjereh.citymap.vocabulary import LandUse
from panjereh.core.text import Localized
from panjereh.plancheck.dxf_reader import MAX_COORDINATE, Drawing, DrawingError

NAMES = {"site": "IfcSite", "storey": "IfcBuildingStorey ", "ground": "IfcBuildingStorey 0", "roof": "IfcElement",
         "parking": "IfcSpace PARKING", "unit": "IfcZone DWELLING"}
MAX_INSTANCES = 20_000_000  # instance numbers past this: not a building, or not one building
SHAPED = ("IfcSlab", "IfcRoof", "IfcWall", "IfcColumn", "IfcBeam", "IfcStair", "IfcRailing")
USES = {"residential": "residential", "housing": "residential", "dwelling": "residential", "commercial": "commercial",
        "retail": "commercial", "office": "administrative", "administrative": "administrative", "mixed": "mixed",
        "educational": "educational", "school": "educational", "health": "health", "industrial": "industrial"}


def _open(path: str):
    try:
        model = ifcopenshell.open(path, lazy=True)
    except (ifcopenshell.Error, RuntimeError, OSError, ValueError, SyntaxError) as exc:
        raise DrawingError([_("The file cannot be read as an IFC model (%(why)s).")
                            % Localized({"why": type(exc).__name__})]) from None
    if model.get_max_id() > MAX_INSTANCES:
        raise DrawingError([_("The model has more than %(count)s elements: send the building alone.")
                            % Localized({"count": MAX_INSTANCES})])
    return model


# a classification's name (as its IfcClassification is named, case and spaces aside) → code prefix → land use.
# The city's own land-use vocabulary, as a classification named "Panjereh", is always understood; the systems
# its offices use (Uniclass, OmniClass, a national table) the city maps in PANJEREH_PLANCHECK_USE_CLASSES — no
# other system's codes are shipped, none being checked against its publisher's tables here.
USE_CLASSES: dict[str, dict[str, str]] = {}
STOREY_QUANTITIES = ("Qto_BuildingStoreyBaseQuantities", "BaseQuantities")  # each with GrossFloorArea
PART_QUANTITIES = (("IfcSlab", ("Qto_SlabBaseQuantities", "BaseQuantities"), "GrossArea"),
                   ("IfcSpace", ("Qto_SpaceBaseQuantities", "BaseQuantities"), "GrossFloorArea"))


def _key(name) -> str:
    return "".join(str(name or "").lower().split())


def _classified_use(model) -> str | None:
    """The building's use from its classification references (IfcRelAssociatesClassification), by the city's
    table; None when it has none the table knows."""
    table = {_key(k): v for k, v in {**USE_CLASSES,
                                     **getattr(settings, "PANJEREH_PLANCHECK_USE_CLASSES", {})}.items()}
    for building in model.by_type("IfcBuilding"):
        for reference in ifcopenshell.util.classification.get_references(building):
            system = ifcopenshell.util.classification.get_classification(reference)
            code = str(getattr(reference, "Identification", None) or getattr(reference, "ItemReference", None)
                       or "").strip()
            name = _key(getattr(system, "Name", ""))
            if name == "panjereh" and code.lower() in LandUse.values:
                return code.lower()
            for prefix, use in sorted(table.get(name, {}).items(), key=lambda item: -len(item[0])):
                if code.lower().startswith(prefix.lower()):
                    return use
    return None


def _stated(element, sets, quantity) -> float | None:
    """A quantity the model states for the element (its base quantities), in model units², if positive."""
    qtos = ifcopenshell.util.element.get_psets(element, qtos_only=True)
    for name in sets:
        value = (qtos.get(name) or {}).get(quantity)
        if isinstance(value, (int, float)) and value > 0:
            return float(value)
    return None


def _stated_area(storey, parts) -> float | None:
    """The storey's floor area as the model states it: the storey's own base quantity, else its slabs', else
    its spaces' (summed); None when it states none."""
    own = _stated(storey, STOREY_QUANTITIES, "GrossFloorArea")
    if own is not None:
        return own
    for kind, sets, quantity in PART_QUANTITIES:
        found = [e for e in parts if e.is_a(kind)]
        values = [_stated(e, sets, quantity) for e in found]
        if found and all(v is not None for v in values):
            return sum(values)
    return None


def _site_outline(model, scale: float) -> shapely.Polygon | None:
    for site in model.by_type("IfcSite"):
        shape = site.Representation
        if shape is None:
            continue
        matrix = ifcopenshell.util.placement.get_local_placement(site.ObjectPlacement) \
            if site.ObjectPlacement else np.eye(4)
        for representation in shape.Representations:
            for item in representation.Items:
                if item.is_a("IfcPolyline"):
                    points = [tuple(p.Coordinates[:2]) for p in item.Points]
                elif item.is_a("IfcIndexedPolyCurve"):
                    points = [tuple(c[:2]) for c in item.Points.CoordList]
                else:
                    continue
                if len(points) > 1 and points[0] == points[-1]:
                    points = points[:-1]
                if len(points) < 3:
                    continue
                placed = [(matrix[0][0] * x + matrix[0][1] * y + matrix[0][3],
                           matrix[1][0] * x + matrix[1][1] * y + matrix[1][3]) for x, y in points]
                return shapely.Polygon([(x * scale, y * scale) for x, y in placed])
    return None


def _plan_of(shape) -> tuple[shapely.Geometry | None, float]:
    """An element's outline seen from above (the union of its faces' projections) and its top, in model units."""
    verts = np.asarray(shape.geometry.verts, dtype=float).reshape(-1, 3)
    faces = np.asarray(shape.geometry.faces, dtype=int).reshape(-1, 3)
    if not len(verts) or not len(faces):
        return None, -math.inf
    triangles = [shapely.Polygon(verts[f][:, :2]) for f in faces]
    triangles = [t for t in triangles if t.is_valid and t.area > 1e-9]
    return (shapely.union_all(triangles) if triangles else None), float(verts[:, 2].max())


def read(data: bytes, progress=None) -> tuple[Drawing, dict]:
    """:func:`read_file` of a model's bytes (ifcopenshell opens files, not bytes)."""
    with tempfile.NamedTemporaryFile(suffix=".ifc") as handle:
        handle.write(data)
        handle.flush()
        return read_file(handle.name, progress)


def read_file(path: str, progress=None) -> tuple[Drawing, dict]:
    """The model at ``path`` as a Drawing, and what else the model says: {"use", "schema", "georeference"}.
    ``progress(percent)`` is told as the reading goes (the worker shows it)."""
    tell = progress or (lambda percent: None)
    model = _open(path)
    tell(40)
    scale = ifcopenshell.util.unit.calculate_unit_scale(model)
    area_scale = ifcopenshell.util.unit.calculate_unit_scale(model, "AREAUNIT")  # m² unless the model says else
    problems = []
    site = _site_outline(model, scale)
    if site is None or not site.is_valid:
        problems.append(_("The lot's boundary: give the IfcSite a FootPrint representation (a closed polyline)."))
    storeys = sorted(model.by_type("IfcBuildingStorey"), key=lambda s: float(s.Elevation or 0.0))
    if not storeys:
        problems.append(_("The model has no IfcBuildingStorey: each floor is a storey with its elevation."))
    if problems:
        raise DrawingError(problems)
    settings = ifcopenshell.geom.settings()
    settings.set(settings.USE_WORLD_COORDS, True)
    ground = min((float(s.Elevation or 0.0) for s in storeys if float(s.Elevation or 0.0) * scale >= -0.01),
                 default=None)
    # only what makes the outline and the height is shaped — slabs, roofs, walls, columns, beams, stairs,
    # railings, found by type (the model's furniture and fittings, often most of it, are never walked)
    by_storey = {storey.id(): [] for storey in storeys}
    for kind in SHAPED:
        for element in model.by_type(kind):
            if element.Representation is None:
                continue
            storey = ifcopenshell.util.element.get_container(element, ifc_class="IfcBuildingStorey")
            if storey is not None and storey.id() in by_storey:
                by_storey[storey.id()].append(element)
    spaces = {storey.id(): [] for storey in storeys}
    for space in model.by_type("IfcSpace"):
        container = ifcopenshell.util.element.get_aggregate(space) or \
            ifcopenshell.util.element.get_container(space, ifc_class="IfcBuildingStorey")
        if container is not None and container.id() in spaces:
            spaces[container.id()].append(space)
    outlines, elevations, basements, top = {}, {}, 0, -math.inf
    stated = {}
    number = 0
    for index, storey in enumerate(storeys):
        tell(45 + 45 * index // max(1, len(storeys)))
        elevation = float(storey.Elevation or 0.0)
        parts = []
        for element in by_storey[storey.id()]:
            try:
                shape = ifcopenshell.geom.create_shape(settings, element)
            except RuntimeError:
                continue
            plan, highest = _plan_of(shape)
            top = max(top, highest)
            if plan is not None and element.is_a("IfcSlab"):
                parts.append(plan)
        if ground is None or elevation < ground - 1e-6:
            basements += 1
            continue
        if not parts:
            problems.append(_("Storey «%(name)s» has no slab to measure its floor area by.")
                            % Localized({"name": storey.Name or storey.GlobalId}))
            continue
        outline = shapely.union_all(parts)
        bounds = outline.bounds
        if not all(math.isfinite(c) and abs(c * scale) < MAX_COORDINATE for c in bounds):
            raise DrawingError([_("The drawing has coordinates far beyond any city (or not numbers at all).")])
        outlines[number] = shapely.transform(outline, lambda xy: xy * scale)
        elevations[number] = elevation * scale
        area = _stated_area(storey, by_storey[storey.id()] + spaces[storey.id()])
        if area is not None:
            stated[number] = area * area_scale
        number += 1
    if problems:
        raise DrawingError(problems)
    parking = sum(1 for s in model.by_type("IfcSpace")
                  if str(getattr(s, "PredefinedType", "") or "").upper() == "PARKING"
                  or str(s.ObjectType or "").upper() == "PARKING")
    zones = list(model.by_type("IfcZone")) + (list(model.by_type("IfcSpatialZone")) if model.schema != "IFC2X3" else [])
    dwellings = [z for z in zones if str(z.ObjectType or "").upper() in ("DWELLING", "UNIT")]
    use = _classified_use(model)
    for building in model.by_type("IfcBuilding"):
        occupancy = ifcopenshell.util.element.get_pset(building, "Pset_BuildingCommon", "OccupancyType")
        if occupancy and use is None:
            use = USES.get(str(occupancy).strip().lower(), str(occupancy).strip().lower())
    roof = (top - ground) * scale if ground is not None and math.isfinite(top) else None
    complete = bool(stated) and set(stated) == set(outlines)  # every floor states its area, or none is used
    drawing = Drawing(site=site, storeys=outlines, basements=basements, elevations=elevations, roof_level=roof,
                      parking=parking, units=len(dwellings) if dwellings else None, layers=NAMES,
                      floor_areas=stated if complete else {}, areas_from="quantities" if complete else "geometry")
    return drawing, {"use": use, "schema": model.schema, "georeference": _georeference(model, site, scale)}


def _georeference(model, site, scale) -> dict | None:
    """The lot in the CRS of the model's IfcMapConversion (IFC4): {"crs", "polygon" (WKT)}, or None."""
    if model.schema == "IFC2X3":
        return None
    for conversion in model.by_type("IfcMapConversion"):
        crs = conversion.TargetCRS
        name = str(getattr(crs, "Name", "") or "")
        if not name.upper().startswith("EPSG:"):
            continue
        a = float(conversion.XAxisAbscissa or 1.0)
        b = float(conversion.XAxisOrdinate or 0.0)
        norm = math.hypot(a, b) or 1.0
        cos, sin = a / norm, b / norm
        k = float(conversion.Scale or 1.0)
        east, north = float(conversion.Eastings), float(conversion.Northings)

        def to_map(xy, cos=cos, sin=sin, k=k, east=east, north=north):
            x, y = xy[:, 0] / scale, xy[:, 1] / scale
            return np.column_stack([east + k * (x * cos - y * sin), north + k * (x * sin + y * cos)])

        return {"crs": name.upper(), "polygon": shapely.transform(site, to_map).wkt}
    return None
