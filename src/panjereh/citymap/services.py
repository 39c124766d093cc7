"""Every state change of the shared map, and the spatial questions every later feature asks.

State changes (:func:`import_layer`, :func:`rollback_layer`) run in one
transaction that also writes the audit record and the outbox event.
The questions (:func:`feasibility`, :func:`dig_check`) read only.
"""

import json
import math
from collections import defaultdict
from dataclasses import dataclass

import shapely
from django.conf import settings
from django.db.models import Max
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from panjereh import access
from panjereh.agencies.service_rows import services_with_agencies
from panjereh.citymap import crs as crsmod
from panjereh.citymap import queries, spatial_sql
from panjereh.citymap.archive import restore_version
from panjereh.citymap.importing import (
    ImportRejected,
    PreparedFeatures,
    keep_only,
    prepare_features,
    read_layer_file,
)
from panjereh.citymap.models import Layer, LayerVersion, Parcel, VersionPin, asset_kinds
from panjereh.citymap.vocabulary import GEOMETRY_TYPES
from panjereh.core import audit, bulk, service_tx
from panjereh.core.errors import FieldError
from panjereh.core.gc_pause import collector_paused
from panjereh.core.text import Localized, in_both

INSERT_CHUNK = 2000


class LayerConflict(Exception):
    """The layer changed since the caller looked at it (a newer version exists)."""


class SpatialInputError(FieldError):
    """A geometry or distance that a spatial question cannot take (``field`` and a translated sentence)."""


# --- importing and versions ---------------------------------------------------------------------

FEATURE_COLUMNS = ["layer_id", "version_id", "agency_id", "ext_id", "kind", "status", "diameter_mm",
                   "material", "depth_m", "pressure_class", "voltage_kv", "install_year", "capacity_kva", "load_kva",
                   "attrs", "geom"]
# Their PostgreSQL types, for a binary COPY (citymap_feature's columns; a migration changing one changes this).
FEATURE_TYPES = ["int8", "int8", "int8", "varchar", "varchar", "varchar", "float8", "varchar", "float8", "varchar",
                 "float8", "int2", "float8", "float8", "jsonb", "geometry"]


def _insert_features(layer: Layer, version: LayerVersion, prepared: PreparedFeatures, progress=None) -> None:
    """Insert the prepared features: COPY on PostGIS, one prepared INSERT in chunks on SpatiaLite."""
    columns = prepared.columns
    n = len(prepared)

    def rows(attrs, geometries):  # the columns zipped into rows, in FEATURE_COLUMNS' order
        return zip([layer.pk] * n, [version.pk] * n, [layer.agency_id] * n,
                   *(columns[name] for name in FEATURE_COLUMNS[3:-2]), attrs, geometries)

    if spatial_sql.is_postgis():
        # A binary COPY: the attributes as jsonb's own binary input (bulk.jsonb_binary), the geometries as plain
        # WKB, which the column's SRID is given to on input (hex EWKB text, and its parsing, was a third of the
        # writing).
        bulk.pass_bytes_as("geometry")
        bulk.pass_bytes_as("jsonb")
        bulk.copy_rows("citymap_feature", FEATURE_COLUMNS,
                       rows(bulk.jsonb_binary(columns["attrs"]), shapely.to_wkb(prepared.geoms, output_dimension=2)),
                       types=FEATURE_TYPES, progress=progress)
        return
    attrs = [json.dumps(a, ensure_ascii=False) if a else "{}" for a in columns["attrs"]]
    marks = ", ".join(["%s"] * (len(FEATURE_COLUMNS) - 1))
    sql = (f"INSERT INTO citymap_feature ({', '.join(FEATURE_COLUMNS)}) VALUES ({marks}, "
           f"{spatial_sql.geom_from_wkb()})")
    with bulk.spatialite_index_at_end("citymap_feature", "geom"):  # one index statement, not one per row
        bulk.execute_in_chunks(sql, rows(attrs, shapely.to_wkb(prepared.geoms, output_dimension=2)),
                               chunk=INSERT_CHUNK, progress=progress)


def _extent_crs84(geoms) -> list[float] | None:
    """The CRS84 bounding box of storage-CRS geometries, for OGC collection extents."""
    if not len(geoms):
        return None
    minx, miny, maxx, maxy = shapely.total_bounds(geoms)
    # Every feature at one point (or on one line) makes a box with no area: widen it by a metre.
    if maxx - minx < 1:
        minx, maxx = minx - 0.5, maxx + 0.5
    if maxy - miny < 1:
        miny, maxy = miny - 0.5, maxy + 0.5
    box = shapely.segmentize(shapely.box(minx, miny, maxx, maxy), max(maxx - minx, maxy - miny, 1) / 8)
    bounds = [round(v, 7) for v in crsmod.to_crs84(box).bounds]
    # Coordinates far outside UTM 39's domain (legacy data in a wrong CRS) have no lon/lat extent.
    return bounds if all(math.isfinite(v) for v in bounds) else None


def publish_version(*, layer: Layer, prepared: PreparedFeatures, actor=None, note: str = "",
                    base_version: int | None = None, progress=None) -> LayerVersion:
    """Store checked features as the layer's new current version, atomically.

    ``base_version`` is the version number the caller saw; if the layer has moved on
    since, :class:`LayerConflict` is raised and nothing is written, so one agency's
    upload never silently replaces another's.
    """
    with service_tx.atomic():
        locked = Layer.objects.select_for_update().get(pk=layer.pk)
        latest = locked.versions.aggregate(n=Max("number"))["n"] or 0
        current = locked.current_version.number if locked.current_version_id else 0
        if base_version is not None and base_version != current:
            raise LayerConflict(_("Layer %(layer)s is at version %(current)s, not %(base)s; look at the new version "
                                  "and upload again.")
                                % Localized({"layer": locked.code, "current": current, "base": base_version}))
        version = LayerVersion.objects.create(
            layer=locked, number=latest + 1, created_by=audit.user_or_none(actor),
            source_name=prepared.source_name[:255], source_format=prepared.source_format,
            source_crs=prepared.source_crs[:100], feature_count=len(prepared),
            repaired_count=prepared.repaired, note=note[:500], bbox=_extent_crs84(prepared.geoms))
        _insert_features(locked, version, prepared, progress)
        locked.current_version = version
        locked.save(update_fields=["current_version"])
        audit.record(actor=actor, action="layer.import", obj=version,
                     data={"layer": locked.code, "features": version.feature_count, "repaired": prepared.repaired,
                           "source": prepared.source_name})
        audit.emit(event_type="layer.version_published", agency_code=locked.agency.code,
                   payload={"layer": locked.code, "version": version.number, "features": version.feature_count})
    return version


def import_layer(*, layer: Layer, path: str, original_name: str, actor=None, declared_crs: str | None = None,
                 repair: bool = False, note: str = "", base_version: int | None = None,
                 progress=None, keep_geometry: str | None = None) -> LayerVersion:
    """Read, check and publish a file as a new version of ``layer`` (of a file whose geometry types are
    mixed, only the ``keep_geometry`` family when given: the rest goes to other layers in other imports).

    Raises :class:`ImportRejected` (listing every problem) or :class:`LayerConflict`;
    in both cases nothing is written.
    """
    if layer.kind == Layer.Kind.PARCELS or layer.code in Layer.RESERVED_CODES:
        raise ImportRejected([_("Layer %(layer)s is the parcel base map; it is loaded from the land registry, "
                                "not by upload.") % Localized({"layer": layer.code})])
    with collector_paused():  # hundreds of thousands of objects that live until the end (core.gc_pause)
        layer_file = read_layer_file(path, original_name, declared_crs=declared_crs)
        if keep_geometry:
            layer_file, left_out = keep_only(layer_file, keep_geometry)
            if left_out:
                note = (f"{note} — " if note else "") + f"{left_out} features of other geometry types left out"
        prepared = prepare_features(layer, layer_file, repair=repair)
        return publish_version(layer=layer, prepared=prepared, actor=actor, note=note, base_version=base_version,
                               progress=progress)


class LayerError(FieldError):
    """A layer that cannot be created as asked (``field`` and a translated sentence); nothing was written."""


def create_layer(*, actor, code: str, name_fa: str, name_en: str, agency, kind: str, geometry_type: str,
                 visibility: str = "staff", allowed_kinds: list[str] | None = None) -> Layer:
    """A GIS administrator creates a layer: its code (a slug, not taken, not reserved), names, owning agency,
    kind (network or generic), geometry type, who may see it, and — for a network layer — its vocabulary of
    asset kinds (each a known kind of that geometry)."""
    import re

    known = asset_kinds()

    code = (code or "").strip().lower()
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{1,62}[a-z0-9]", code):
        raise LayerError("code", _("A layer code is 3–64 lowercase Latin letters, digits and dashes, e.g. "
                                   "water-mains."))
    if code in Layer.RESERVED_CODES:
        raise LayerError("code", _("«%(code)s» is reserved for another collection of the map.")
                         % Localized({"code": code}))
    if Layer.objects.filter(code=code).exists():
        raise LayerError("code", _("A layer «%(code)s» exists already.") % Localized({"code": code}))
    if agency is None:
        raise LayerError("agency", _("Name the agency that owns the layer."))
    if not (name_fa or "").strip():
        raise LayerError("name_fa", _("Give the layer's Persian name."))
    if kind not in (Layer.Kind.NETWORK, Layer.Kind.GENERIC):
        raise LayerError("kind", _("A layer is a network (typed assets) or generic (the agency's own attributes); "
                                   "the parcel base map is not made here."))
    if geometry_type not in GEOMETRY_TYPES:
        raise LayerError("geometry_type", _("The geometry type must be one of %(known)s.")
                         % Localized({"known": "، ".join(GEOMETRY_TYPES)}))
    if visibility not in {choice for choice, _label in Layer._meta.get_field("visibility").choices}:
        raise LayerError("visibility", _("Visibility must be public, staff or agency."))
    allowed = sorted(set(allowed_kinds or []))
    if kind == Layer.Kind.NETWORK:
        if not allowed:
            raise LayerError("allowed_kinds", _("A network layer lists the asset kinds it holds."))
        wrong = [k for k in allowed if k not in known or (geometry_type != "Any" and known[k][0] != geometry_type)]
        if wrong:
            raise LayerError("allowed_kinds", _("These kinds are unknown or not of geometry %(geometry)s: %(kinds)s.")
                             % Localized({"geometry": geometry_type, "kinds": "، ".join(wrong)}))
    elif allowed:
        raise LayerError("allowed_kinds", _("Only a network layer has a vocabulary of asset kinds."))
    with service_tx.atomic():
        layer = Layer.objects.create(code=code, name_fa=name_fa.strip(), name_en=(name_en or "").strip(),
                                     agency=agency, kind=kind, geometry_type=geometry_type, visibility=visibility,
                                     allowed_kinds=allowed)
        audit.record(actor=actor, action="layer.create", obj=layer,
                     data={"agency": agency.code, "kind": kind, "geometry_type": geometry_type})
    return layer


def rollback_layer(*, layer: Layer, version_number: int, actor=None) -> LayerVersion:
    """Make an earlier version of ``layer`` current again. No version is deleted; an archived version's
    features come back to the live table in the same transaction (citymap.archive)."""
    with service_tx.atomic():
        locked = Layer.objects.select_for_update().get(pk=layer.pk)
        try:
            target = locked.versions.get(number=version_number)
        except LayerVersion.DoesNotExist:
            raise LayerConflict(_("Layer %(layer)s has no version %(number)s.")
                                % Localized({"layer": locked.code, "number": version_number})) from None
        if locked.current_version_id == target.pk:
            raise LayerConflict(_("Version %(number)s of layer %(layer)s is already current.")
                                % Localized({"number": version_number, "layer": locked.code}))
        previous = locked.current_version.number if locked.current_version_id else None
        restore_version(target)
        locked.current_version = target
        locked.save(update_fields=["current_version"])
        audit.record(actor=actor, action="layer.rollback", obj=target,
                     data={"layer": locked.code, "from": previous, "to": target.number})
        audit.emit(event_type="layer.rolled_back", agency_code=locked.agency.code,
                   payload={"layer": locked.code, "from": previous, "to": target.number})
    return target


# --- feasibility ------------------------------------------------------------------------------

MESSAGES = {
    "ok": gettext_lazy("%(service)s: network %(distance)s m away; available"),
    "extension": gettext_lazy("%(service)s: nearest network is %(distance)s m away (over %(limit)s m): network "
                              "extension needed"),
    "none": gettext_lazy("%(service)s: no active network within %(limit)s m: network extension needed"),
    "no_transformer": gettext_lazy("%(service)s: no transformer with %(spare)s kVA spare capacity within %(limit)s "
                                   "m: a new transformer or an upgrade is needed"),
}


def _message(code: str, **values) -> dict:
    """A feasibility message in both languages, from the catalogue (its Persian: the .po file)."""
    return {"code": code, **in_both(MESSAGES[code], **values)}


def _asset_summary(feature: dict, distance: float) -> dict:
    """What a feasibility answer says of an asset (``feature``: a row of :func:`queries.feature_summaries`)."""
    return {**feature, "distance_m": round(distance, 2)}


def _what_it_uses(service, size: dict) -> tuple[list[str], float | None, str]:
    """(network kinds, spare kVA needed at the station or None, grade: the voltage "lv"/"mv" or the gas
    pressure "lp"/"mp", "" when the size says nothing) a connection of this size can use.
    Power: up to the service's ``lv_max_kw`` a low-voltage connection, fed from the LV network (cable or
    overhead) and an MV/LV station with spare capacity for the demand (kW at power factor 0.9, at least the
    service's minimum); above it a medium-voltage connection from an MV line, with the customer's own station (no
    spare asked)."""
    kinds, spare = list(service.network_kinds), service.min_spare_kva
    if service.code == "gas" and size and size.get("meter_class"):
        # a large meter is fed from the medium-pressure network (its own station), the rest from the city's
        # low-pressure mains
        large = _meter_number(size["meter_class"]) >= _meter_number(service.mp_from_meter_class or "G100")
        return kinds, None, "mp" if large else "lp"
    if service.code != "power" or not size or not size.get("kw"):
        return kinds, spare, ""
    kw = float(size["kw"])
    if service.lv_max_kw is not None and kw > service.lv_max_kw:
        return list(service.mv_network_kinds), None, "mv"
    return kinds, max(spare or 0.0, round(kw / 0.9, 1)), "lv"


def _meter_number(meter_class: str) -> float:
    """G4 → 4, G160 → 160 (a meter class's nominal flow, m³/h)."""
    try:
        return float(str(meter_class).strip().upper().lstrip("G"))
    except ValueError:
        return 0.0


def feasibility_searches(services, sizes: dict | None = None) -> tuple[dict, list, list]:
    """What a feasibility check asks the map for each service: ({service: what it uses}, the keys
    (service, "network" | "transformer") and the :func:`queries.nearest_features` searches, in the same order)."""
    sizes = sizes or {}
    uses, keys, searches = {}, [], []
    for service in services:
        limit = max(service.search_limit_m, service.service_distance_m)
        kinds, spare, grade = uses[service.code] = _what_it_uses(service, sizes.get(service.code) or {})
        pressures = (service.pressure_classes or {}).get(grade) if service.code == "gas" else None
        keys.append((service.code, "network"))
        searches.append({"kinds": kinds, "limit_m": limit, "pressure_classes": pressures})
        if spare is not None:
            keys.append((service.code, "transformer"))
            # Stations stand blocks apart, so the first window is wider than the mains' 64 m: 128 m, which holds
            # the nearest station with spare capacity for most parcels of the demo city (65-112 m) and is a
            # quarter of the area of the 256 m window it started with before (farther: it widens fourfold, as
            # every search does). Measured at a million parcels, 300 parcels,
            # p50/p95 of the whole check: 64 m 2.5/4.4, 128 m 1.8/3.0, 256 m 4.0/5.0 ms on SpatiaLite;
            # 7.6/11.1, 6.8/8.5, 7.3/9.6 ms on PostGIS.
            searches.append({"kinds": ["transformer"], "limit_m": limit, "min_spare_kva": spare,
                             "start_margin_m": 128.0})
    return uses, keys, searches


def feasibility(parcel: Parcel, services=None, sizes: dict | None = None) -> dict:
    """Whether each utility can reach ``parcel`` from the shared map.

    For every service: the nearest active asset of its network, its distance in
    metres, and whether that is within the agency's configured service distance;
    for power, also the nearest MV/LV station with enough spare capacity. With ``sizes``
    ({service: size}), what a connection of that size can really use (:func:`_what_it_uses`).
    Problems come with what would fix them, in Persian and English.
    """
    return _feasibility_at(parcel.pk, shapely.from_wkb(bytes(parcel.geom.wkb)), services, sizes)


def parcel_feasibility(parcel_id: int) -> dict:
    """:func:`feasibility` of the parcel ``parcel_id`` for every service, reading nothing of the parcel but its
    polygon (the API's check, asked parcel by parcel). Raises Parcel.DoesNotExist."""
    wkb = queries.parcel_wkb(parcel_id)
    if wkb is None:
        raise Parcel.DoesNotExist(f"parcel {parcel_id} does not exist")
    return _feasibility_at(parcel_id, shapely.from_wkb(wkb), None, None)


def _feasibility_at(parcel_id: int, geom, services, sizes: dict | None) -> dict:
    services = list(services if services is not None else services_with_agencies())
    sizes = sizes or {}
    wkb = shapely.to_wkb(geom, output_dimension=2)
    bounds = shapely.bounds(geom)
    uses, keys, searches = feasibility_searches(services, sizes)
    found = dict(zip(keys, queries.nearest_features(wkb, bounds, searches)))  # every network in one round trip
    ids = [hit[0] for hit in found.values() if hit]
    # only what the answer shows, as plain rows: model objects with geometries would be built for nothing
    features = queries.feature_summaries(ids)
    results = []
    for service in services:
        names = {"service": {"fa": service.name_fa, "en": service.name_en}}
        limit = max(service.search_limit_m, service.service_distance_m)
        hit = found[(service.code, "network")]
        kinds, spare, grade = uses[service.code]
        entry = {"service": service.code, "agency": service.agency.code,
                 "service_distance_m": service.service_distance_m, "nearest": None, "distance_m": None,
                 "within_service_distance": False, "feasible": False, "problems": []}
        if grade in ("lv", "mv"):
            entry["voltage"] = grade
        elif grade:
            entry["pressure"] = grade
        if hit is None:
            entry["problems"].append(_message("none", limit=round(limit), **names))
        else:
            entry["nearest"] = _asset_summary(features[hit[0]], hit[1])
            entry["distance_m"] = round(hit[1], 2)
            entry["within_service_distance"] = hit[1] <= service.service_distance_m
            if not entry["within_service_distance"]:
                entry["problems"].append(_message("extension", distance=round(hit[1]),
                                                  limit=round(service.service_distance_m), **names))
        if spare is not None:
            t_hit = found[(service.code, "transformer")]
            entry["transformer"] = _asset_summary(features[t_hit[0]], t_hit[1]) if t_hit else None
            if entry["transformer"]:
                f = features[t_hit[0]]
                entry["transformer"]["spare_kva"] = round(f["capacity_kva"] - (f["load_kva"] or 0), 1)
            else:
                entry["problems"].append(_message("no_transformer", limit=round(limit),
                                                  spare=round(spare), **names))
        entry["feasible"] = not entry["problems"]
        if entry["feasible"]:
            entry["message"] = _message("ok", distance=round(hit[1]), **names)
        results.append(entry)
    return {"parcel": parcel_id, "services": results}


# --- dig check --------------------------------------------------------------------------------

@dataclass
class DigArea:
    """A checked trench: its geometry in the storage CRS and the buffer around it."""

    geometry: shapely.Geometry
    buffer_m: float


def parse_dig_area(geojson_geometry, buffer_m) -> DigArea:
    """Check a GeoJSON geometry in CRS84 and a buffer, as sent by a digger; raise SpatialInputError."""
    if not isinstance(geojson_geometry, dict) or "type" not in geojson_geometry:
        raise SpatialInputError("geometry", _("A GeoJSON geometry object is required."))
    gtype = geojson_geometry["type"]
    if not isinstance(gtype, str) or gtype not in {"Point", "LineString", "MultiLineString", "Polygon",
                                                   "MultiPolygon"}:
        raise SpatialInputError("geometry", _("The geometry type «%(type)s» is not supported; send a LineString or "
                                               "Polygon for the trench.") % Localized({"type": str(gtype)[:40]}))
    try:
        geom = shapely.from_geojson(json.dumps(geojson_geometry))
    except (shapely.errors.GEOSException, ValueError) as exc:
        raise SpatialInputError("geometry", _("The geometry is not valid GeoJSON (%(reason)s).")
            % Localized({"reason": exc})) \
            from exc
    if geom.is_empty:
        raise SpatialInputError("geometry", _("The geometry is empty."))
    if not geom.is_valid:
        raise SpatialInputError("geometry", _("The geometry is invalid (%(reason)s).")
                                % Localized({"reason": shapely.is_valid_reason(geom)}))
    try:
        buffer_m = float(buffer_m)
    except (TypeError, ValueError):
        raise SpatialInputError("buffer_m", _("«%(value)s» is not a number.")
            % Localized({"value": buffer_m})) from None
    if not 0 <= buffer_m <= settings.PANJEREH_DIGCHECK_MAX_BUFFER_M:
        raise SpatialInputError("buffer_m", _("The distance around the trench must be between 0 and %(max)s m.")
                                % Localized({"max": float(settings.PANJEREH_DIGCHECK_MAX_BUFFER_M)}))
    if not crsmod.inside_city(geom.bounds)[0]:
        if crsmod.swapped_into_city(geom.bounds)[0]:
            raise SpatialInputError("geometry", _("Longitude and latitude appear swapped (GeoJSON is longitude, "
                                                   "latitude)."))
        raise SpatialInputError("geometry", _("The geometry lies outside the city's extent (%(west)s–%(east)s E, "
                                               "%(south)s–%(north)s N).")
                                % Localized(crsmod.city_extent_words()))
    stored = crsmod.to_storage(geom, "OGC:CRS84")
    size = max(stored.length, stored.exterior.length if hasattr(stored, "exterior") else 0)
    if size > settings.PANJEREH_DIGCHECK_MAX_LENGTH_M:
        raise SpatialInputError("geometry", _("The trench is %(size)s m long, over the %(max)s m that one dig check "
                                               "covers; split the trench.")
                                % Localized({"size": round(size),
                                             "max": float(settings.PANJEREH_DIGCHECK_MAX_LENGTH_M)}))
    return DigArea(geometry=stored, buffer_m=buffer_m)


def dig_check(area: DigArea, *, user=None) -> dict:
    """Everything within ``area.buffer_m`` of a planned trench, grouped by owning agency, with depths.

    Assets in layers ``user`` may not see are counted per agency, not described,
    so a digger still learns whom to call.
    """
    wkb = shapely.to_wkb(area.geometry, output_dimension=2)
    hits = queries.dig_hits(wkb, shapely.bounds(area.geometry), area.buffer_m)  # plain rows, no geometry built
    may_read = access.layer_reader(user) if user is not None else None  # the rule, applied to each hit's layer
    groups: dict[str, dict] = {}
    for f in hits:
        group = groups.setdefault(f["agency"], {"agency": f["agency"], "name_fa": f["agency_name_fa"],
                                                "name_en": f["agency_name_en"], "assets": [], "hidden_count": 0})
        if may_read is not None and not may_read(f["layer_visibility"], f["layer_agency_id"]):
            group["hidden_count"] += 1
            continue
        distance = f["distance_m"]
        group["assets"].append({"id": f["id"], "layer": f["layer"], "ext_id": f["ext_id"], "kind": f["kind"],
                                "status": f["status"], "distance_m": round(distance, 2), "crosses": distance == 0,
                                "depth_m": f["depth_m"], "diameter_mm": f["diameter_mm"],
                                "material": f["material"], "voltage_kv": f["voltage_kv"],
                                "pressure_class": f["pressure_class"]})
    agencies = sorted(groups.values(), key=lambda g: g["agency"])
    counts = defaultdict(int)
    for g in agencies:
        counts["assets"] += len(g["assets"]) + g["hidden_count"]
    return {"buffer_m": area.buffer_m, "length_m": round(area.geometry.length, 2), "total": counts["assets"],
            "agencies": agencies}


def pin_version(version_id: int, holder: str) -> None:
    """Keep a layer version live for ``holder`` (call inside the holder's transaction): the archive leaves it."""
    VersionPin.objects.get_or_create(version_id=version_id, holder=holder[:80])


def unpin_version(version_id: int, holder: str) -> None:
    VersionPin.objects.filter(version_id=version_id, holder=holder[:80]).delete()
