"""The crisis room on screens: the incident board (open incidents, planned interruptions, a new incident
reported from the map or by an asset's id) and each incident's page (what to close, who is cut off, what lies
around, the log of notes, taking it in hand, closing it with the time supply came back).

Every state change goes through :mod:`panjereh.crisis.services`, the same calls the REST API makes; every read
of an asset goes through the permission module (``access.redact("incident", …)``), as the API's does."""

import json

import numpy as np
import shapely
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from panjereh import access
from panjereh.citymap import crs as crsmod
from panjereh.citymap import fence, tiles
from panjereh.citymap.models import Feature, Layer, Parcel
from panjereh.core.calendar import parse_moment
from panjereh.core.errors import FieldError
from panjereh.core.ids import id_or_zero
from panjereh.core.text import Localized, normalize_digits, parse_float
from panjereh.crisis import services
from panjereh.crisis.models import Incident
from panjereh.crisis.views import _kind_names
from panjereh.sms.models import SmsMessage

AFFECTED_SHOWN = 300  # parcels listed with plate and address on an incident's page (all are counted and drawn)
DRAWN_PARCELS = 3000


def _require(request):
    if not access.can_report_incident(request.user):
        raise PermissionDenied("the crisis room is for agency and crisis staff")


def _asset_id(actor, text: str) -> int | None:
    """The asset an officer typed: the map's number, or the agency's own id (``P-88``) on a current network
    layer the officer may see. Two assets with that id on different layers: refused, naming the layers."""
    typed = (text or "").strip()
    text = normalize_digits(typed)
    if not text:
        return None
    if text.isdigit():
        return int(text)
    layers = access.visible_layers(actor, Layer.objects.filter(agency__code__in=tiles.NETWORK_AGENCIES))
    # ids are kept as the agency writes them: as typed, or with the digits the other way
    hits = list(Feature.objects.filter(ext_id__in={typed, text}, layer__in=layers,
                                       version_id__in=layers.values("current_version_id")).select_related("layer")[:5])
    if not hits:
        raise services.IncidentError("asset", _("No asset %(id)s on the current map.") % Localized({"id": text}))
    if len(hits) > 1:
        raise services.IncidentError("asset", _("%(id)s names assets on several layers (%(layers)s): type the "
                                                "map's number of the one meant, or click it on the map.")
                                     % Localized({"id": text, "layers": "، ".join(sorted({h.layer.code
                                                                                          for h in hits}))}))
    return hits[0].pk


def _float(text: str, field: str):
    """An optional number typed in any digits (the shared parser), refused naming the field."""
    if not (text or "").strip():
        return None
    try:
        return parse_float(text)
    except ValueError as exc:
        raise services.IncidentError(field, str(exc)) from None


def _moment(text: str, field: str):
    if not (text or "").strip():
        return None
    moment = parse_moment(text)
    if moment is None:
        raise services.IncidentError(field, _("Write the time as 1405/09/20 08:30 (or 2026-12-10 08:30)."))
    return moment


def _report(request) -> Incident:
    post = request.POST
    feature = id_or_zero(post.get("feature", "")) or _asset_id(request.user, post.get("asset", ""))
    lon, lat = _float(post.get("lon"), "lon"), _float(post.get("lat"), "lat")
    radius = _float(post.get("radius_m"), "radius_m") or 50.0
    return services.report_incident(actor=request.user, kind=post.get("kind", ""), lon=lon, lat=lat,
                                    feature_id=feature, radius_m=radius, note=post.get("note", "")[:500],
                                    starts_at=_moment(post.get("starts_at"), "starts_at"),
                                    ends_at=_moment(post.get("ends_at"), "ends_at"))


@login_required
@require_http_methods(["GET", "POST"])
def board(request):
    """Open incidents and planned interruptions, newest first; closed ones after, paginated; the form to report."""
    _require(request)
    error = None
    if request.method == "POST":
        try:
            incident = _report(request)
            return redirect("crisis-incident", pk=incident.pk)
        except FieldError as exc:
            error = {"field": exc.field, "text": str(exc)}
    now = timezone.now()
    mine = fence.within(request.user, Incident.objects, "location")  # the cities this user works in
    open_qs = mine.filter(status=Incident.Status.OPEN).select_related("handled_by")
    current = list(open_qs.filter(Q(planned=False) | Q(starts_at__lte=now)).order_by("-starts_at", "-id")[:200])
    ahead = list(open_qs.filter(planned=True, starts_at__gt=now).order_by("starts_at", "id")[:200])
    closed = Paginator(mine.filter(status=Incident.Status.CLOSED).select_related("handled_by")
                       .order_by("-restored_at", "-id"), 25).get_page(request.GET.get("page"))
    listed = current + ahead + list(closed)
    areas = _areas(listed)
    for incident in listed:
        incident.area = areas.get(incident.pk, "")
        incident.affected_count = len(services.affected_parcels(incident.response))
        # the asset it is on, as this reader may see it (a hidden network's ids are never shown)
        r = access.redact("incident", request.user, incident.response)
        incident.on = (r.get("pipe") or (r.get("transformer") or {}).get("conductor") or {}).get("ext_id")
    drawn_layers = tiles.network_layers(request.user)
    return render(request, "crisis/board.html", {
        "current": current, "ahead": ahead, "closed": closed, "error": error, "post": request.POST,
        "kinds": Incident.Kind.choices, "notice_hours": _notice_hours(),
        "map": {"extent": tiles.extent_of(drawn_layers), "tiles": drawn_layers, "pick": True,
                "features": [_point(i) for i in current + ahead]}}, status=400 if error else 200)


def _notice_hours():
    from django.conf import settings

    return settings.PANJEREH_PLANNED_NOTICE_HOURS


def _point(incident: Incident) -> dict:
    here = crsmod.to_crs84(shapely.Point(incident.location.x, incident.location.y))
    return {"type": "Feature", "id": incident.pk, "geometry": json.loads(shapely.to_geojson(here)),
            "properties": {"role": "incident", "colour": "#b00020" if not incident.planned else "#c56a00"}}


def _features_geojson(ids, role: str, colour: str) -> list[dict]:
    rows = list(Feature.objects.filter(pk__in=list(ids)).only("id", "geom", "ext_id"))
    return _geojson([(r.pk, r.geom, {"role": role, "colour": colour, "ext_id": r.ext_id}) for r in rows])


def _geojson(rows) -> list[dict]:
    if not rows:
        return []
    geoms = crsmod.to_crs84(np.array([shapely.from_wkb(bytes(g.wkb)) for _i, g, _p in rows], dtype=object))
    geoms = shapely.set_precision(geoms, 1e-7)
    return [{"type": "Feature", "id": i, "geometry": json.loads(shapely.to_geojson(g)), "properties": p}
            for (i, _g, p), g in zip(rows, geoms)]


def _areas(incidents: list[Incident]) -> dict[int, str]:
    """Where each incident is, as the crisis room says it: the named street of the map nearest to it (within
    150 m), one query for the whole board."""
    if not incidents:
        return {}
    points = np.array([shapely.Point(i.location.x, i.location.y) for i in incidents], dtype=object)
    streets = _streets_within(shapely.buffer(shapely.box(*shapely.total_bounds(points)), 150))
    if not streets:
        return {}
    tree = shapely.STRtree([g for _n, g in streets])
    src, dst = tree.query_nearest(points, max_distance=150, all_matches=False)
    return {incidents[int(s)].pk: streets[int(d)][0] for s, d in zip(src, dst)}


def _streets_within(area) -> list[tuple[str, shapely.Geometry]]:
    """(name, centre line) of the named streets of the map meeting ``area`` (storage CRS)."""
    from django.contrib.gis.geos import GEOSGeometry

    layer = Layer.objects.filter(code="streets").first()
    if layer is None or layer.current_version_id is None:
        return []
    rows = Feature.objects.filter(version_id=layer.current_version_id,
                                  geom__intersects=GEOSGeometry(memoryview(area.wkb), srid=crsmod.STORAGE_SRID))
    return [(f.attrs.get("name_fa") or "", shapely.from_wkb(bytes(f.geom.wkb))) for f in rows
            if (f.attrs or {}).get("name_fa")]


def _addresses(parcels: list[Parcel]) -> dict[int, str]:
    """Each parcel's street: the named street of the map nearest to it (the address a crew can find)."""
    if not parcels:
        return {}
    geoms = np.array([shapely.from_wkb(bytes(p.geom.wkb)) for p in parcels], dtype=object)
    streets = _streets_within(shapely.buffer(shapely.box(*shapely.total_bounds(geoms)), 80))
    if not streets:
        return {}
    tree = shapely.STRtree([g for _n, g in streets])
    src, dst = tree.query_nearest(geoms, max_distance=80, all_matches=False)
    return {parcels[int(s)].pk: streets[int(d)][0] for s, d in zip(src, dst)}


@login_required
@require_http_methods(["GET", "POST"])
def incident_page(request, pk):
    """One incident: the response computed when it was reported, as this user may read it; notes; close."""
    _require(request)
    incident = get_object_or_404(fence.within(request.user, Incident.objects, "location").select_related(
        "handled_by", "reported_by", "closed_by"), pk=pk)
    error = None
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "note":
                services.add_note(actor=request.user, incident=incident, text=request.POST.get("text", ""))
            elif action == "take":
                services.take_incident(actor=request.user, incident=incident)
            elif action == "close":
                services.close_incident(actor=request.user, incident=incident,
                                        restored_at=_moment(request.POST.get("restored_at"), "restored_at"))
            else:
                raise services.IncidentError("action", _("Unknown action «%(action)s».") % Localized({"action": action}))
            return redirect("crisis-incident", pk=incident.pk)
        except FieldError as exc:
            error = {"field": exc.field, "text": str(exc)}
    r = access.redact("incident", request.user, incident.response)
    iso = r.get("isolation") or {}
    transformer = r.get("transformer") or {}
    affected_ids = services.affected_parcels(r)
    shown = list(Parcel.objects.filter(pk__in=affected_ids[:AFFECTED_SHOWN]).order_by("plate_main", "plate_sub"))
    addresses = _addresses(shown)
    for p in shown:
        p.street = addresses.get(p.pk, "")
    features = [_point(incident)]
    if not iso.get("hidden"):
        features += _features_geojson([p["id"] for p in iso.get("pipes", [])], "pipe", "#c00000")
    features += _geojson([(p.pk, p.geom, {"role": "parcel", "colour": "#f39c12"})
                          for p in Parcel.objects.filter(pk__in=affected_ids[:DRAWN_PARCELS]).only("id", "geom")])
    around_ids = [a["id"] for g in r.get("around", {}).get("agencies", []) for a in g["assets"]]
    features += _features_geojson(around_ids[:500], "asset", "#555555")
    if not iso.get("hidden"):
        features += _features_geojson([v["id"] for v in iso.get("close", [])], "valve", "#1c4587")
    if transformer.get("id"):
        features += _features_geojson([transformer["id"]], "transformer", "#6a1b9a")
    told = {phase: SmsMessage.objects.filter(event_key__startswith=f"incident:{incident.pk}:{phase}:").count()
            for phase in ("outage", "planned", "restored")}
    drawn_layers = tiles.network_layers(request.user)
    return render(request, "crisis/incident.html", {
        "incident": incident, "r": r, "affected": shown, "affected_count": len(affected_ids),
        "notes": incident.notes.select_related("author"), "kind_names": _kind_names(request), "told": told,
        "error": error, "now": timezone.now(),
        "map": {"extent": tiles.extent_of(drawn_layers), "tiles": drawn_layers, "pick": False,
                "fit": True, "features": features}}, status=400 if error else 200)
