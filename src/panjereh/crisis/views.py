"""The printable incident report, with a small map drawn as SVG (no map library needed to print it)."""

import shapely
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, render

from panjereh import access
from panjereh.citymap import fence
from panjereh.citymap.models import Feature, Parcel
from panjereh.citymap.vocabulary import ASSET_KINDS
from panjereh.crisis.models import Incident

SIZE = 600


def _svg(incident: Incident, response: dict) -> str:
    """Pipes cut off (red), valves to close (blue), parcels losing supply (orange), the incident (black).
    Drawn from the response as the reader may see it: a hidden network is not drawn."""
    iso = response.get("isolation") or {}
    pipes = [shapely.from_wkb(bytes(f.geom.wkb)) for f in Feature.objects.filter(
        pk__in=[p["id"] for p in iso.get("pipes", [])])]
    valves = [shapely.from_wkb(bytes(f.geom.wkb)) for f in Feature.objects.filter(
        pk__in=[v["id"] for v in iso.get("close", [])])]
    parcels = [shapely.from_wkb(bytes(p.geom.wkb)) for p in Parcel.objects.filter(
        pk__in=iso.get("parcels_affected", [])[:2000])]
    here = shapely.Point(incident.location.x, incident.location.y)
    everything = shapely.GeometryCollection(pipes + valves + parcels + [here.buffer(incident.radius_m)])
    minx, miny, maxx, maxy = everything.bounds
    scale = SIZE / max(maxx - minx, maxy - miny, 1)

    def xy(x, y):
        return f"{(x - minx) * scale:.1f},{(maxy - y) * scale:.1f}"

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{SIZE}" height="{SIZE}" role="img" '
             f'aria-label="incident map">']
    for p in parcels:
        parts.append(f'<polygon points="{" ".join(xy(*c) for c in p.exterior.coords)}" fill="#f6b26b" '
                     'stroke="#999" stroke-width="0.5"/>')
    for line in pipes:
        parts.append(f'<polyline points="{" ".join(xy(*c) for c in shapely.get_coordinates(line))}" fill="none" '
                     'stroke="#c00" stroke-width="3"/>')
    for v in valves:
        parts.append(f'<circle cx="{xy(v.x, v.y).split(",")[0]}" cy="{xy(v.x, v.y).split(",")[1]}" r="6" '
                     'fill="#1c4587"/>')
    cx, cy = xy(here.x, here.y).split(",")
    parts.append(f'<circle cx="{cx}" cy="{cy}" r="{incident.radius_m * scale:.1f}" fill="none" stroke="#000" '
                 'stroke-dasharray="4"/>')
    parts.append(f'<text x="{cx}" y="{cy}" font-size="20" text-anchor="middle">✕</text></svg>')
    return "".join(parts)


@login_required
def incident_report(request, pk):
    if not access.can_report_incident(request.user):
        raise Http404("no such incident")
    incident = get_object_or_404(fence.within(request.user, Incident.objects, "location"), pk=pk)
    response = access.redact("incident", request.user, incident.response)
    iso = response.get("isolation") or {}
    transformer = response.get("transformer") or {}
    affected = list(Parcel.objects.filter(pk__in=(iso.get("parcels_affected") or transformer.get("parcels_affected")
                                                  or [])[:200]).order_by("plate_main", "plate_sub"))
    return render(request, "crisis/report.html", {"incident": incident, "r": response,
                                                  "kind_names": _kind_names(request),
                                                  "affected": affected, "svg": _svg(incident, response)})


def _kind_names(request) -> dict:
    """Asset kinds by their name in the reader's language (the report never prints "gas_main")."""
    from django.utils.translation import get_language

    english = (get_language() or "fa") == "en"
    return {code: (en if english else fa) for code, (_g, _a, fa, en) in ASSET_KINDS.items()}
