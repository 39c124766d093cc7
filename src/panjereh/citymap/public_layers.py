"""The city's public planning layers (B-READY 4 and 8): its detailed plan's zoning and its hazard areas, each a
layer the municipality imports like any other (versioned, public visibility), found by its code — ``zoning…`` for
the detailed plan's zones, ``hazard…`` for flood zones, faults, pipelines' safety strips. Anyone reads them on the
map and through the OGC API without signing in; the pre-check reads, for a parcel, the zone it lies in and the
hazard areas it touches (in the current version of each layer)."""

from django.contrib.gis.geos import GEOSGeometry

from panjereh.citymap.models import Feature, Layer, Visibility

ZONING, HAZARD, STREETS = "zoning", "hazard", "streets"


def public_layers(prefix: str):
    """The public layers whose code starts with ``prefix`` and that have a current version."""
    return Layer.objects.filter(code__startswith=prefix, visibility=Visibility.PUBLIC,
                                current_version__isnull=False).order_by("code")


def _touching(prefix: str, geom: GEOSGeometry) -> list[dict]:
    found = []
    for layer in public_layers(prefix):
        for feature in Feature.objects.filter(version_id=layer.current_version_id, geom__intersects=geom) \
                .order_by("id")[:20]:
            found.append({"layer": layer, "ext_id": feature.ext_id, "attrs": feature.attrs or {}})
    return found


def zoning_of(parcel) -> list[dict]:
    """The detailed plan's zones the parcel lies in (its centre: a parcel straddling two zones is read where
    most of it is), with their rules as the layer's attributes carry them."""
    return _touching(ZONING, parcel.geom.point_on_surface)


def streets_beside(parcel, within_m: float = 30.0) -> list[dict]:
    """The streets (centrelines of the public ``streets…`` layers) within ``within_m`` of the parcel, each with
    its name, its width today and its planned width (``planned_width_m``, the detailed plan's widening — the
    same as today's where the plan does not widen it), and its centreline (GEOS, storage CRS). The plan check
    reads the street line from them."""
    found = []
    for layer in public_layers(STREETS):
        for feature in Feature.objects.filter(version_id=layer.current_version_id,
                                              geom__dwithin=(parcel.geom, within_m)).order_by("id")[:20]:
            attrs = feature.attrs or {}
            width = attrs.get("width_m")
            if not isinstance(width, (int, float)) or width <= 0:
                continue
            planned = attrs.get("planned_width_m")
            found.append({"name": str(attrs.get("name_fa") or feature.ext_id), "width_m": float(width),
                          "planned_width_m": float(planned) if isinstance(planned, (int, float)) and planned > 0
                          else float(width), "geom": feature.geom})
    return found


def hazards_of(parcel) -> list[dict]:
    """The hazard areas the parcel touches (any part of it)."""
    return _touching(HAZARD, parcel.geom)


def rules_table() -> list[dict]:
    """The detailed plan's rules, one row per zone code of the zoning layers' current versions (the attributes
    of the zone's features: land use, most floors, density, occupancy, setback rule)."""
    rows = {}
    for layer in public_layers(ZONING):
        for ext_id, attrs in Feature.objects.filter(version_id=layer.current_version_id).order_by("ext_id") \
                .values_list("ext_id", "attrs"):
            zone = (attrs or {}).get("zone") or ext_id
            rows.setdefault((layer.code, zone), {"layer": layer, "zone": zone, "attrs": attrs or {}, "areas": 0})
            rows[(layer.code, zone)]["areas"] += 1
    return list(rows.values())
