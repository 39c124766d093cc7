"""The findings desk: the consistency findings of the latest run on a page with the map — each agency its own,
the coordinators the city's — to zoom to, acknowledge, mark fixed (the next run confirms or reopens it) or
dismiss with a reason, the history kept across runs (:func:`panjereh.crisis.services.act_on_finding`)."""

import shapely
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from panjereh import access
from panjereh.agencies.models import Agency
from panjereh.citymap import crs as crsmod
from panjereh.citymap import tiles
from panjereh.core.errors import FieldError
from panjereh.core.ids import id_or_zero
from panjereh.crisis import services
from panjereh.crisis.models import ConsistencyRun, Finding, FindingEvent

PER_PAGE = 50
STATE_FILTERS = {"active": ["open", "acknowledged"], "open": ["open"], "acknowledged": ["acknowledged"],
                 "fixed": ["fixed"], "dismissed": ["dismissed"], "all": None}
COLOURS = {"open": "#b00020", "acknowledged": "#c56a00", "fixed": "#2e7d32", "dismissed": "#9e9e9e",
           "confirmed": "#2e7d32"}


def _lonlat(finding: Finding):
    if finding.location is None:
        return None
    here = crsmod.to_crs84(shapely.Point(finding.location.x, finding.location.y))
    return round(here.x, 7), round(here.y, 7)


@login_required
@require_http_methods(["GET", "POST"])
def findings_desk(request):
    if not access.can_view_findings(request.user):
        raise PermissionDenied("findings are for the agencies' staff and the coordinators")
    run = ConsistencyRun.objects.first()
    error = None
    if request.method == "POST":
        finding = get_object_or_404(access.visible_findings(request.user, Finding.objects.all()),
                                    pk=id_or_zero(request.POST.get("finding", "")))
        try:
            services.act_on_finding(actor=request.user, finding=finding, action=request.POST.get("action", ""),
                                    reason=request.POST.get("reason", ""))
            return redirect(request.get_full_path())
        except FieldError as exc:
            error = str(exc)
    state = request.GET.get("state", "active")
    check = request.GET.get("check", "")
    agency = request.GET.get("agency", "")
    qs = access.visible_findings(request.user, Finding.objects.filter(run=run)
                                      .select_related("agency", "other_agency")) if run else Finding.objects.none()
    counts = {s: qs.filter(state=s).count() for s in Finding.State.values}
    if STATE_FILTERS.get(state):
        qs = qs.filter(state__in=STATE_FILTERS[state])
    if check:
        qs = qs.filter(check_name=check)
    if agency:
        qs = qs.filter(agency__code=agency)
    page = Paginator(qs.order_by("check_name", "id"), PER_PAGE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    history = {}
    for event in FindingEvent.objects.filter(key__in=[f.key for f in rows]).select_related("actor"):
        history.setdefault(event.key, []).append(event)
    features = []
    for f in rows:
        f.lonlat = _lonlat(f)
        f.history = history.get(f.key, [])
        f.can_act = access.can_act_on_finding(request.user, f)
        # a plain string: a float in a Persian template would be written with "٫" and Persian digits
        f.zoom = f"{f.lonlat[0]:.7f},{f.lonlat[1]:.7f}" if f.lonlat else ""
        if f.lonlat:
            features.append({"type": "Feature", "id": f.pk, "geometry": {"type": "Point", "coordinates": f.lonlat},
                             "properties": {"role": "finding", "colour": COLOURS.get(f.state, "#444")}})
    query = "&".join(f"{k}={v}" for k, v in (("state", state), ("check", check), ("agency", agency)) if v)
    drawn_layers = tiles.network_layers(request.user)
    return render(request, "crisis/findings.html", {
        "run": run, "page": page, "rows": rows, "state": state, "check": check, "agency": agency, "query": query,
        "states": list(STATE_FILTERS), "counts": counts, "error": error,
        "checks": sorted(run.counts) if run else [], "agencies": Agency.objects.order_by("code")
        if access.is_coordinator(request.user) else [],
        "can_run": access.is_coordinator(request.user),
        "map": {"extent": tiles.extent_of(drawn_layers), "tiles": drawn_layers, "pick": False,
                "fit": bool(features), "features": features}}, status=400 if error else 200)


@login_required
@require_http_methods(["POST"])
def run_now(request):
    """A coordinator starts a whole-city run from the desk (the same call as the API's)."""
    if not access.is_coordinator(request.user):
        raise PermissionDenied("only coordinators start a whole-city run")
    services.run_consistency(actor=request.user)
    return redirect("findings")
