"""Reading an architect's DXF drawing (as AutoCAD exports it) by the layer convention of docs/plan-check.md,
with ``ezdxf``'s recovering reader (it repairs what AutoCAD and other programs write loosely).

The convention, each layer name configurable per city (``PANJEREH_PLANCHECK_DXF_LAYERS``, offices name their
layers differently):

- ``site``: the lot's boundary, one closed polyline — the drawing is put on the parcel by it;
- ``storey`` + the floor's number (``A-FLOOR-00`` the ground floor, ``A-FLOOR-01`` …; ``A-FLOOR-B1`` a basement):
  each storey's outline as closed polylines, their elevation the floor's level;
- ``roof``: the roof's outline, its elevation the top of the building (for the height);
- ``parking``: each parking bay, an insert of the block named ``parking`` or a closed polyline;
- ``unit``: each dwelling unit, an insert of the block named ``unit`` or a closed polyline.

North is up (+y). Units come from the header's ``$INSUNITS`` (millimetres, centimetres or metres). What breaks
the convention is listed, in the reader's language, as :class:`DrawingError` — never guessed."""

import math
import os
import re
import tempfile
from dataclasses import dataclass, field

import ezdxf
import shapely
from django.conf import settings
from django.utils.translation import gettext as _
from ezdxf import recover

from panjereh.core.text import Localized

LAYERS = {"site": "A-SITE", "storey": "A-FLOOR-", "roof": "A-ROOF", "parking": "A-PARKING", "unit": "A-UNIT"}
BLOCKS = {"parking": "PARKING", "unit": "UNIT"}
SCALE = {4: 0.001, 5: 0.01, 6: 1.0}  # $INSUNITS: millimetres, centimetres, metres
MAX_ENTITIES = 200_000
MAX_COORDINATE = 1e7  # metres: a drawing beyond this is not a building (or is hostile)


class DrawingError(Exception):
    """The drawing cannot be checked: ``problems`` says what is missing or wrong, one sentence each."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass
class Drawing:
    """What the check needs, in metres: the lot, each storey's outline by floor number, the roof's level."""

    site: shapely.Polygon
    storeys: dict[int, shapely.Geometry] = field(default_factory=dict)  # floor number → outline (ground 0)
    basements: int = 0
    elevations: dict[int, float] = field(default_factory=dict)
    roof_level: float | None = None
    parking: int = 0
    units: int | None = None
    layers: dict = field(default_factory=dict)
    floor_areas: dict[int, float] = field(default_factory=dict)  # floor number → area the model states (IFC)
    areas_from: str = "geometry"  # where the floor areas come from: "geometry", or the model's "quantities"


def layer_names() -> dict:
    return {**LAYERS, **getattr(settings, "PANJEREH_PLANCHECK_DXF_LAYERS", {})}


def _polygon(entity, scale: float):
    """A closed polyline as a polygon in metres, or None if it is not closed; its elevation in metres."""
    kind = entity.dxftype()
    if kind == "LWPOLYLINE":
        points = [(x, y) for x, y, *_ in entity.get_points("xy")]
        closed = entity.closed
        elevation = float(entity.dxf.get("elevation", 0.0))
    elif kind == "POLYLINE" and not entity.is_3d_polyline and not entity.is_poly_face_mesh:
        points = [(v.dxf.location.x, v.dxf.location.y) for v in entity.vertices]
        closed = entity.is_closed
        elevation = float(entity.dxf.elevation.z)
    else:
        return None, 0.0
    if len(points) > 1 and points[0] == points[-1]:
        points, closed = points[:-1], True
    if not closed or len(points) < 3:
        return None, 0.0
    if not all(math.isfinite(c) and abs(c * scale) < MAX_COORDINATE for p in points for c in p):
        raise DrawingError([_("The drawing has coordinates far beyond any city (or not numbers at all).")])
    return shapely.Polygon([(x * scale, y * scale) for x, y in points]), elevation * scale


STREAM_BYTES = 2 * 1024 * 1024  # a drawing this large is streamed: its model space read one object at a time
_INSUNITS = re.compile(rb"\$INSUNITS\s*\r?\n\s*70\s*\r?\n\s*(-?\d+)")


def read(data: bytes, progress=None) -> Drawing:
    """:func:`read_file` of a drawing's bytes."""
    with tempfile.NamedTemporaryFile(suffix=".dxf") as handle:
        handle.write(data)
        handle.flush()
        return read_file(handle.name, progress)


def read_file(path: str, progress=None) -> Drawing:
    """The drawing at ``path`` by the convention; DrawingError listing every problem found.
    ``progress(percent)`` is told as the reading goes (the worker shows it).

    A large drawing is streamed (ezdxf's ``iterdxf``: the model space one object at a time, the units from the
    header's text) so its memory stays near its size; a drawing the streaming reader cannot follow — or any
    small one — goes through the recovering reader, which holds the whole document but repairs what programs
    write loosely."""
    tell = progress or (lambda percent: None)
    with open(path, "rb") as handle:
        head = handle.read(1024 * 1024)
    if head.lstrip()[:18] == b"AutoCAD Binary DXF":
        raise DrawingError([_("This is a binary DXF: export the drawing as an ASCII DXF.")])
    if os.path.getsize(path) >= STREAM_BYTES:
        try:
            return _streamed(path, head, tell)
        except DrawingError:
            raise
        except Exception:  # noqa: BLE001 — whatever the streaming reader cannot follow, the recovering one tries
            pass
    try:
        with open(path, "rb") as handle:
            doc, auditor = recover.read(handle)
    except (ezdxf.DXFStructureError, ezdxf.DXFError, UnicodeDecodeError, ValueError, TypeError, EOFError,
            IndexError, KeyError, AttributeError) as exc:
        raise DrawingError([_("The file cannot be read as a DXF drawing (%(why)s).") % Localized(
            {"why": type(exc).__name__})]) from None
    tell(60)
    scale = _scale(int(doc.header.get("$INSUNITS", 0) or 0))
    msp = doc.modelspace()
    if len(msp) > MAX_ENTITIES:
        raise DrawingError([_("The drawing has more than %(count)s objects: send the plans alone.")
                            % Localized({"count": MAX_ENTITIES})])
    return _collect(iter(msp), scale, tell)


def _scale(insunits: int) -> float:
    scale = SCALE.get(insunits)
    if scale is None:
        raise DrawingError([_("The drawing's units are not set: set INSUNITS to millimetres, centimetres or metres "
                              "before exporting.")])
    return scale


def _streamed(path: str, head: bytes, tell) -> Drawing:
    """The model space streamed from the file (iterdxf reads a seekable file, a few objects at a time)."""
    from ezdxf.addons import iterdxf

    header = head[:head.find(b"ENDSEC") + 6] if b"ENDSEC" in head else head
    found = _INSUNITS.search(header)
    scale = _scale(int(found.group(1)) if found else 0)
    tell(20)
    counted = _counted(iterdxf.modelspace(path, types=["LWPOLYLINE", "POLYLINE", "INSERT"]))
    return _collect(counted, scale, tell)


def _counted(entities):
    for n, entity in enumerate(entities, 1):
        if n > MAX_ENTITIES:
            raise DrawingError([_("The drawing has more than %(count)s objects: send the plans alone.")
                                % Localized({"count": MAX_ENTITIES})])
        yield entity


def _collect(entities, scale: float, tell) -> Drawing:
    """The convention's outlines, bays and units from the model space's objects."""
    names = layer_names()
    problems, sites, storeys, elevations, roof = [], [], {}, {}, None
    parking = units = 0
    units_seen = False
    storey_layer = re.compile(re.escape(names["storey"]) + r"(B?)(\d+)$", re.IGNORECASE)
    basements = set()
    for entity in entities:
        layer = entity.dxf.get("layer", "0")
        kind = entity.dxftype()
        if kind == "INSERT":
            block = entity.dxf.name.upper()
            parking += block == BLOCKS["parking"]
            if block == BLOCKS["unit"]:
                units, units_seen = units + 1, True
            continue
        if kind not in ("LWPOLYLINE", "POLYLINE"):
            continue
        polygon, elevation = _polygon(entity, scale)
        if polygon is None:
            continue
        if not polygon.is_valid:
            problems.append(_("An outline on layer %(layer)s crosses itself: redraw it as a simple closed "
                              "polyline.") % Localized({"layer": layer}))
            continue
        upper = layer.upper()
        if upper == names["site"].upper():
            sites.append(polygon)
        elif upper == names["roof"].upper():
            roof = max(roof or 0.0, elevation)
        elif upper == names["parking"].upper():
            parking += 1
        elif upper == names["unit"].upper():
            units, units_seen = units + 1, True
        elif match := storey_layer.match(layer):
            number = int(match.group(2))
            if match.group(1):
                basements.add(number)
                continue
            storeys.setdefault(number, []).append(polygon)
            elevations[number] = max(elevations.get(number, elevation), elevation)
    tell(85)
    if len(sites) != 1:
        problems.append(_("The lot's boundary: draw it as one closed polyline on layer %(layer)s (found %(count)s).")
                        % Localized({"layer": names["site"], "count": len(sites)}))
    if 0 not in storeys:
        problems.append(_("The ground floor: draw its outline as closed polylines on layer %(layer)s.")
                        % Localized({"layer": f"{names['storey']}00"}))
    if storeys and sorted(storeys) != list(range(len(storeys))):
        problems.append(_("The floors' layers skip a number (found %(found)s): each floor from 00 upwards.")
                        % Localized({"found": "، ".join(f"{n:02d}" for n in sorted(storeys))}))
    if problems:
        raise DrawingError(problems)
    return Drawing(site=sites[0], storeys={n: shapely.union_all(p) for n, p in storeys.items()},
                   basements=len(basements), elevations=elevations, roof_level=roof, parking=parking,
                   units=units if units_seen else None, layers=names)
