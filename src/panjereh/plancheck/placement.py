"""Putting the drawing on the parcel: where on the map the drawn lot lies, so the rules that need the map (the
street line, the north side) read the drawing where it stands, and a lot that is not this parcel is a finding
rather than a guess.

Three ways, the first that applies:

- **georeference** — an IFC with ``IfcMapConversion``: the model says where it is (its lot already on the map);
- **position** — a drawing in the city's own coordinates (a DXF drawn on the survey, in the city's projected
  CRS, the storage CRS): it stands where it is drawn;
- **shape** — a drawing in its own coordinates (the usual AutoCAD sheet, the lot's corner near 0,0): the drawn
  lot is moved onto the parcel — centre on centre — and turned by the angle that lays it best on the parcel
  (each pair of their edges proposes an angle; the one covering most of the parcel wins, the smallest turn among
  equals, since north is up by the convention and a rectangle fits the same way turned half round).

Whatever the way, how well it fits is measured: how far the placed lot's centre lies from the parcel's
(``offset_m``) and the farthest its boundary lies from the parcel's (``fit_m``, the Hausdorff distance). The
check compares both with the city's tolerances."""

import math
from dataclasses import dataclass, replace

import numpy as np
import shapely

from panjereh.citymap import crs as crsmod
from panjereh.plancheck.dxf_reader import Drawing

POSITION, GEOREFERENCE, SHAPE = "position", "georeference", "shape"


@dataclass(frozen=True)
class Placement:
    """How the drawing was put on the map, how well the lot fits the parcel there, and the drawing moved onto
    the map (storage CRS, metres)."""

    how: str
    rotation_deg: float  # anticlockwise, from the drawing to the map
    offset_m: float  # the placed lot's centre from the parcel's centre
    fit_m: float  # the farthest the placed lot's boundary lies from the parcel's
    drawing: Drawing


def _moved(drawing: Drawing, angle_deg: float, origin, shift) -> Drawing:
    """The drawing turned by ``angle_deg`` about ``origin`` and moved by ``shift`` (a rigid move: areas and
    distances stay)."""
    cos, sin = math.cos(math.radians(angle_deg)), math.sin(math.radians(angle_deg))
    ox, oy = origin
    dx, dy = shift

    def move(xy):
        x, y = xy[:, 0] - ox, xy[:, 1] - oy
        return np.column_stack([ox + x * cos - y * sin + dx, oy + x * sin + y * cos + dy])

    return replace(drawing, site=shapely.transform(drawing.site, move),
                   storeys={n: shapely.transform(g, move) for n, g in drawing.storeys.items()})


def _edges(polygon: shapely.Polygon, count: int = 6) -> list[float]:
    """The directions (degrees) of the polygon's longest edges."""
    ring = np.asarray(polygon.exterior.coords)
    vectors = ring[1:] - ring[:-1]
    lengths = np.hypot(vectors[:, 0], vectors[:, 1])
    order = np.argsort(-lengths)[:count]
    return [math.degrees(math.atan2(vectors[i, 1], vectors[i, 0])) for i in order if lengths[i] > 1e-6]


def _normal(angle: float) -> float:
    return (angle + 180.0) % 360.0 - 180.0


def _fit(drawing: Drawing, parcel: shapely.Polygon, how: str, angle: float) -> Placement:
    site = drawing.site
    return Placement(how=how, rotation_deg=round(angle, 2),
                     offset_m=float(site.centroid.distance(parcel.centroid)),
                     fit_m=float(shapely.hausdorff_distance(site.exterior, parcel.exterior)), drawing=drawing)


def in_city_coordinates(site: shapely.Polygon) -> bool:
    """Whether the drawn lot, read as coordinates of the city's projected CRS, lies inside the city (a drawing
    made on the survey), rather than near the sheet's origin."""
    try:
        lonlat = crsmod.to_crs84(site)
    except (ValueError, RuntimeError):
        return False
    return bool(crsmod.inside_city(lonlat.bounds)[0])


def place(drawing: Drawing, parcel: shapely.Polygon, georeferenced_lot: shapely.Polygon | None = None) -> Placement:
    """The drawing on the map over ``parcel`` (storage CRS). ``georeferenced_lot``: the lot where the model's
    own georeference puts it (storage CRS), when it has one."""
    site = drawing.site
    if georeferenced_lot is not None and not georeferenced_lot.is_empty:
        # the turn: between the lot's first long edge as drawn and as the georeference puts it; then the lot's
        # centre onto the georeferenced lot's
        drawn, placed = _edges(site, 1), _edges(georeferenced_lot, 1)
        angle = _normal(placed[0] - drawn[0]) if drawn and placed else 0.0
        centre, target = site.centroid, georeferenced_lot.centroid
        return _fit(_moved(drawing, angle, (centre.x, centre.y), (target.x - centre.x, target.y - centre.y)),
                    parcel, GEOREFERENCE, angle)
    if in_city_coordinates(site):
        return _fit(drawing, parcel, POSITION, 0.0)
    centre, target = site.centroid, parcel.centroid
    shift = (target.x - centre.x, target.y - centre.y)
    angles = {0.0}
    for a in _edges(site):
        for b in _edges(parcel):
            angles.add(round(_normal(b - a), 3))
    best = None
    for angle in sorted(angles, key=abs):
        moved = _moved(drawing, angle, (centre.x, centre.y), shift)
        union = moved.site.union(parcel).area
        cover = moved.site.intersection(parcel).area / union if union else 0.0
        if best is None or cover > best[0] + 0.005:
            best = (cover, angle, moved)
    return _fit(best[2], parcel, SHAPE, best[1])
