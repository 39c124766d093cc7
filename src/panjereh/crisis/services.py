"""State changes of consistency checking and incident response (one transaction each, audited)."""

import time

from django.conf import settings
from django.contrib.gis.geos import Point
from django.db import transaction
from django.utils.translation import gettext as _

from panjereh.agencies.models import Agency
from panjereh.citymap import crs as crsmod
from panjereh.core import audit, permissions
from panjereh.core.errors import FieldError
from panjereh.core.text import Localized
from panjereh.crisis import consistency
from panjereh.crisis.models import ConsistencyRun, Finding


def run_consistency(*, actor=None) -> ConsistencyRun:
    """Run every consistency check over the whole map and store the findings as one run."""
    started = time.monotonic()
    findings = consistency.all_checks()
    agencies = {a.code: a for a in Agency.objects.all()}
    with transaction.atomic():
        run = ConsistencyRun.objects.create()
        Finding.objects.bulk_create([Finding(
            run=run, check_name=f["check_name"], agency=agencies[f["agency"]],
            other_agency=agencies.get(f["other_agency"]) if f["other_agency"] else None, layer_code=f["layer_code"],
            features=f["features"], message_fa=f["message_fa"], message_en=f["message_en"], data=f["data"],
            location=Point(*f["location"], srid=crsmod.STORAGE_SRID) if f["location"] else None) for f in findings])
        counts = {}
        for f in findings:
            counts[f["check_name"]] = counts.get(f["check_name"], 0) + 1
        run.counts = counts
        run.seconds = round(time.monotonic() - started, 2)
        run.save(update_fields=["counts", "seconds"])
        audit.record(actor=actor, action="consistency.run", obj=run, data=counts)
        for code in sorted({f["agency"] for f in findings} | {f["other_agency"] for f in findings if f["other_agency"]}):
            audit.emit(event_type="consistency.findings", agency_code=code,
                       payload={"run": run.pk, "findings": sum(1 for f in findings if code in (f["agency"],
                                                                                               f["other_agency"]))})
    return run


# --- incidents ---------------------------------------------------------------------------------

NETWORK_OF = {"water_burst": "water", "gas_leak": "gas"}
SEARCH_M = 30.0


class IncidentError(FieldError):
    """An incident that cannot be placed (``field`` and a translated sentence)."""


def _locate(*, actor, lon=None, lat=None, feature_id=None):
    """The incident's point (storage CRS) and the asset it is on, refusing what is outside, gone or hidden."""
    import shapely

    from panjereh.citymap import crs as crsmod
    from panjereh.citymap.models import Feature

    feature = None
    if feature_id is not None:
        feature = Feature.objects.select_related("layer", "version", "agency").filter(pk=feature_id).first()
        # hidden and missing get one answer (actor None: the system itself, e.g. a command, sees everything)
        if feature is None or (actor is not None and not permissions.feature_visible(actor, feature)):
            raise IncidentError("feature", _("Asset %(id)s does not exist.") % Localized({"id": feature_id}))
        if feature.layer.current_version_id != feature.version_id:
            current = feature.layer.current_version.number if feature.layer.current_version_id else "none"
            raise IncidentError("feature", _("Asset %(id)s (%(ext)s) is not on the current map: layer %(layer)s is at "
                                             "version %(current)s, the asset was in version %(old)s (deleted or "
                                             "replaced).")
                                % Localized({"id": feature_id, "ext": feature.ext_id, "layer": feature.layer.code,
                                   "current": current, "old": feature.version.number}))
        geom = shapely.from_wkb(bytes(feature.geom.wkb))
        # on a pipe or cable the fault's place is not known: its middle (a vertex could be one end)
        point = geom.interpolate(0.5, normalized=True) if "LineString" in geom.geom_type \
            else shapely.point_on_surface(geom)
        return point, feature
    if lon is None or lat is None:
        raise IncidentError("location", _("Give the longitude and latitude, or the asset the incident is on."))
    west, south, east, north = crsmod.city_bbox_lonlat()
    if not (west <= lon <= east and south <= lat <= north):
        raise IncidentError("location", _("The point %(lon)s, %(lat)s is outside the city (%(west)s–%(east)s E, "
                                           "%(south)s–%(north)s N).")

                                % Localized({"lon": lon, "lat": lat, "west": west, "east": east, "south": south, "north": north}))
    return crsmod.to_storage(shapely.Point(lon, lat), "OGC:CRS84"), None


def report_incident(*, actor, kind: str, lon=None, lat=None, feature_id=None, radius_m: float = 50.0,
                    note: str = ""):
    """Record an incident and work out the response: what to close, who loses supply, what lies around."""
    import shapely
    from django.contrib.gis.geos import Point as GeosPoint

    from panjereh.citymap.services import DigArea, dig_check
    from panjereh.crisis import tracing
    from panjereh.crisis.models import Incident

    if kind not in Incident.Kind.values:
        raise IncidentError("kind", _("The kind of incident must be one of %(known)s.")
                            % Localized({"known": "، ".join(Incident.Kind.values)}))
    if not 0 < float(radius_m) <= 500:
        raise IncidentError("radius_m", _("The radius must be more than 0 and at most 500 m."))
    point, feature = _locate(actor=actor, lon=lon, lat=lat, feature_id=feature_id)
    started = time.monotonic()
    budget = settings.PANJEREH_INCIDENT_BUDGET_SECONDS

    def within_budget(stage: str):
        """A network too large to trace in the request's time gets a clear answer, never a worker timeout."""
        if time.monotonic() - started > budget:
            raise IncidentError("location", _("Tracing the network took longer than %(s)s seconds (at: %(stage)s); "
                                              "the incident was not recorded. Report it on the asset itself, or ask "
                                              "the GIS staff to split the network into its pieces.")
                                % Localized({"s": budget, "stage": stage}))
    response = {"problems": []}
    agencies = set()
    if kind in NETWORK_OF:
        agency = NETWORK_OF[kind]
        agencies.add(agency)
        traced = tracing.build_network(agency)
        within_budget("network")
        link = None
        if feature is not None and int(feature.pk) in traced.link_index:
            link = int(feature.pk)
        elif len(traced.pipes):
            tree = shapely.STRtree(traced.pipes.geoms)
            hit = tree.query_nearest(point, max_distance=SEARCH_M, all_matches=False)
            if len(hit):
                link = int(traced.pipes.ids[int(hit[0])])
        if link is None:
            raise IncidentError("location", _("No %(agency)s network within %(m)s m of the incident.")
                                % Localized({"agency": agency, "m": float(SEARCH_M)}))
        response["pipe"] = {"id": link, "ext_id": traced.pipes.ext_ids[traced.link_index[link]]}
        sizes = traced.component_sizes()
        largest = max(sizes.values())
        if sizes[link] < largest and traced.piece_is_fed(link):
            response["zone"] = {"pipes": sizes[link], "fed_by_own_source": True}  # a separately fed zone
        elif sizes[link] < largest:
            response["problems"].append({
                "code": "disconnected",
                "en": f"this pipe is on a piece of the {agency} network ({sizes[link]} pipes) not connected to the "
                      f"main network ({largest} pipes) and fed by no source of its own (reservoir, tank, pump, "
                      f"station): check the map, the piece may be mis-drawn",
                "fa": f"این لوله روی بخشی جدا از شبکه اصلی {agency} است ({sizes[link]} لوله)"})
        if not traced.network.valves:
            response["problems"].append({
                "code": "no_valves",
                "en": f"the {agency} network has no valves on the map: nothing can isolate a part of it; "
                      "close the supply (source or regulator station)",
                "fa": f"در شبکه {agency} هیچ شیری ثبت نشده است؛ جداسازی بخشی از شبکه ممکن نیست"})
            response["isolation"] = None
        else:
            response["isolation"] = tracing.isolation_plan(traced, link)
            within_budget("isolation")
            if not response["isolation"]["close"]:
                response["problems"].append({
                    "code": "no_boundary_valves",
                    "en": "no valve bounds this pipe's part of the network: the whole piece must be shut",
                    "fa": "هیچ شیری این بخش از شبکه را جدا نمی‌کند"})
    if kind == "cable_fault":
        agencies.add("power")
        response["transformer"] = tracing.feeding_transformer(
            point, cable_id=feature.pk if feature is not None else None)
        within_budget("transformer")
        if response["transformer"] is None:
            response["problems"].append({"code": "no_transformer", "en": "no transformer on the map",
                                         "fa": "ترانسفورماتوری روی نقشه نیست"})
    around = dig_check(DigArea(geometry=point, buffer_m=float(radius_m)))
    response["around"] = around
    agencies |= {g["agency"] for g in around["agencies"]}
    with transaction.atomic():
        incident = Incident.objects.create(
            kind=kind, location=GeosPoint(point.x, point.y, srid=crsmod.STORAGE_SRID), feature=feature, radius_m=float(radius_m),
            reported_by=actor if getattr(actor, "is_authenticated", False) else None, note=note[:500],
            response=response)
        audit.record(actor=actor, action="incident.report", obj=incident, data={"kind": kind})
        for code in sorted(agencies):
            # each agency's alert carries its own assets only: its valves to close, its assets around
            own = next((g for g in around["agencies"] if g["agency"] == code), {"assets": []})
            close = (response.get("isolation") or {}).get("close", []) if NETWORK_OF.get(kind) == code else []
            audit.emit(event_type="incident.reported", agency_code=code, payload={
                "incident": incident.pk, "kind": kind, "close_valves": [v["ext_id"] for v in close],
                "assets_around": [{"id": a["id"], "ext_id": a["ext_id"], "kind": a["kind"],
                                   "distance_m": a["distance_m"], "depth_m": a["depth_m"]} for a in own["assets"]]})
    return incident
