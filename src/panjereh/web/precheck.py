"""The public check before applying (B-READY 5): anyone, signed in or not, finds a parcel by its plate or postal
code and sees what a file there would meet — the parcel's zoning limits, whether each service can reach it, the
planning problems of what they ask, the fee estimate and the documents to bring — with no approval and nothing
stored about them. Each answer is the counter's own check (``services.estimate``) with the public's redaction (no
asset of a network named); each visitor's address is limited per minute, as the tracking page is."""

import shapely
from django.conf import settings
from django.contrib.gis.geos import GEOSGeometry
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from rest_framework.exceptions import ValidationError

from panjereh.agencies.models import Service
from panjereh.citymap import crs as crsmod
from panjereh.citymap import public_layers
from panjereh.citymap.api import parcel_search
from panjereh.citymap.models import Parcel
from panjereh.core.clientip import client_ip
from panjereh.core.counters import count
from panjereh.core.text import normalize_digits
from panjereh.permits.models import Application, DocumentRequirement
from panjereh.web import views


def _too_many(request) -> bool:
    return count(f"precheck:{client_ip(request)}", 60) > settings.PANJEREH_PRECHECK_PER_MINUTE


@require_http_methods(["GET", "POST"])
def precheck(request):
    """Find a parcel; then what they want to build there, checked."""
    if _too_many(request):
        return render(request, "web/precheck.html", {"too_many": True}, status=429)
    parcel_id = request.GET.get("parcel", "")
    if request.GET.get("lon") and request.GET.get("lat") and not parcel_id:
        found = _parcel_at(request.GET["lon"], request.GET["lat"])
        if found is not None:
            return redirect(f"{reverse('precheck')}?parcel={found.pk}")
        return render(request, "web/precheck.html", {"q": "", "parcels": [], "errors": [
            _("No parcel lies at the point clicked on the map: click inside a parcel, or search by plate.")]},
            status=404)
    if parcel_id:
        parcel = Parcel.objects.filter(pk=parcel_id).first() if parcel_id.isdigit() else None
        if parcel is None:
            raise Http404("no such parcel")
        return _check(request, parcel)
    q, parcels, errors = request.GET.get("q", "").strip(), [], []
    if q:
        try:
            parcels = list(Parcel.objects.filter(parcel_search(q)).order_by("id")[:10])
        except ValidationError as exc:
            errors = views._flatten(exc.detail)
    return render(request, "web/precheck.html", {"q": q, "parcels": parcels, "errors": errors},
                  status=400 if errors else 200)


def _parcel_at(lon: str, lat: str):
    """The parcel under a point given in degrees (CRS84), or None (not numbers, outside every parcel)."""
    try:
        x, y = float(normalize_digits(lon)), float(normalize_digits(lat))
    except ValueError:
        return None
    if not (-180 <= x <= 180 and -90 <= y <= 90):
        return None
    point = crsmod.to_storage(shapely.Point(x, y), "OGC:CRS84")
    return Parcel.objects.filter(geom__contains=GEOSGeometry(point.wkt, srid=crsmod.STORAGE_SRID)).first()


def _check(request, parcel):
    service_list = list(Service.objects.order_by("code"))
    errors, estimate, post = [], None, request.POST
    permit_type = post.get("permit_type") or "new"
    if request.method == "POST":
        body = {"parcel": parcel.pk,
                "permit": {"permit_type": permit_type, "land_use": post.get("land_use"),
                           "floors": post.get("floors"), "units": post.get("units"),
                           "gross_floor_area": post.get("gross_floor_area"),
                           "parking_spaces": post.get("parking_spaces") or 0},
                "services": {s.code: {"timing": post.get(f"timing_{s.code}", "not_needed"),
                                      "size": views._size(post, s.code)} for s in service_list}}
        estimate, errors = views._estimate(request, parcel, body)
    return render(request, "web/precheck.html", {
        "parcel": parcel, "post": post, "errors": errors, "estimate": estimate,
        "zones": public_layers.zoning_of(parcel), "hazards": public_layers.hazards_of(parcel),
        "service_rows": [(s, post.get(f"timing_{s.code}", "now")) for s in service_list],
        "land_uses": Application._meta.get_field("land_use").choices,
        "permit_types": Application.PermitType.choices,
        "documents": DocumentRequirement.objects.filter(permit_type=permit_type).order_by("position", "id")},
        status=400 if errors else 200)
