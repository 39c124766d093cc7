"""Pages. The full Persian front (counters, inboxes, map) is built on these in the web issue."""

from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render

from panjereh.citymap.models import Parcel
from panjereh.core import permissions


def home(request):
    """The landing page: what this server offers, in Persian (right to left) with English beside it."""
    layers = permissions.visible_layers(request.user).select_related("agency", "current_version")
    return render(request, "web/home.html", {"layers": layers, "parcel_count": Parcel.objects.count()})


def healthz(request):
    """Liveness for operators and load balancers: the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok", "database": connection.vendor})
