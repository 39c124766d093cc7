"""Panjereh's URLs plus ``/bench/bare-feasibility/<pk>/`` (the same SQL as the feasibility check, nothing else) and
``/bench/signed-in-feasibility/<pk>/`` (that, behind the API's own authentication and parcel permission)."""

import json

import shapely
from django.db import connection
from django.http import JsonResponse
from django.urls import include, path

from rest_framework.response import Response
from rest_framework.views import APIView

from panjereh.agencies.models import Service
from panjereh.citymap import queries, spatial_sql
from panjereh.citymap.api import ParcelsAllowed

_KINDS: list[list[str]] = []  # the kinds each service searches, read once on the first request


def bare_feasibility(request, pk):
    """One index-window nearest query per network on a raw cursor; the answer is the ids and distances.

    No authentication, no permission check, no ORM objects: what the database work costs inside a
    Django request served by the same gunicorn."""
    if not _KINDS:
        _KINDS.extend(s.network_kinds + (["transformer"] if s.min_spare_kva is not None else [])
                      for s in Service.objects.all())
    g = spatial_sql.geom_from_wkb()
    out = []
    with connection.cursor() as c:
        c.execute(f"SELECT {spatial_sql.as_binary('geom')} FROM citymap_parcel WHERE id = %s", [pk])
        wkb = bytes(c.fetchone()[0])
        minx, miny, maxx, maxy = shapely.from_wkb(wkb).bounds
        for kinds in _KINDS:
            marks = ", ".join(["%s"] * len(kinds))
            c.execute(f"SELECT f.id, ST_Distance(f.geom, {g}) AS d FROM citymap_feature f WHERE "
                      f"{spatial_sql.bbox_filter('citymap_feature', 'f')} AND {queries.CURRENT}"
                      f" AND f.kind IN ({marks}) ORDER BY d LIMIT 1",
                      [wkb, minx - 64, miny - 64, maxx + 64, maxy + 64, *kinds])
            out.append(c.fetchall())
    return JsonResponse({"parcel": pk, "nearest": out})


class SignedInFeasibility(APIView):
    """The bare query behind what every API request of ours pays before its own work: DRF's dispatch, the staff
    token (hashed, looked up with its user and profile), the permission module's parcel check (the visible
    layers), a JSON renderer. The floor of a signed-in, permission-checked request, to set ours against."""

    def get(self, request, pk):
        ParcelsAllowed.check(request)
        return Response(json.loads(bare_feasibility(request._request, pk).content))


def bare_dig(request):
    """The bare dig-check SQL in the smallest view: the trench arrives prepared (storage-CRS WKB in hex, its
    bounds, the buffer), the answer is the ids and distances. The floor under POST /api/v1/dig-check/."""
    body = json.loads(request.body)
    wkb, (minx, miny, maxx, maxy), buffer_m = bytes.fromhex(body["wkb"]), body["bounds"], body["buffer_m"]
    g = spatial_sql.geom_from_wkb()
    with connection.cursor() as c:
        c.execute(f"SELECT f.id, ST_Distance(f.geom, {g}) AS d FROM citymap_feature f WHERE "
                  f"{spatial_sql.bbox_filter('citymap_feature', 'f')} AND f.version_id IN "
                  f"(SELECT current_version_id FROM citymap_layer) AND ST_Distance(f.geom, {g}) <= %s "
                  "ORDER BY d, f.id",
                  [wkb, minx - buffer_m, miny - buffer_m, maxx + buffer_m, maxy + buffer_m, wkb, buffer_m])
        return JsonResponse({"near": c.fetchall()})


urlpatterns = [
    path("bench/bare-dig/", bare_dig),
    path("bench/bare-feasibility/<int:pk>/", bare_feasibility),
    path("bench/signed-in-feasibility/<int:pk>/", SignedInFeasibility.as_view()),
    path("", include("panjereh.urls")),
]
