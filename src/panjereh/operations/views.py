"""``/metrics``: the Prometheus text format, for the province's scraper (with the deployment's metrics token,
``Authorization: Bearer <PANJEREH_METRICS_TOKEN>``) or a signed-in coordinator. Nobody else learns even that the
address exists (404), and nothing in it names a person or a file."""

import secrets

from django.conf import settings
from django.http import Http404
from django_prometheus.exports import ExportToDjangoView

from panjereh import access


def _scraper(request) -> bool:
    token = settings.PANJEREH_METRICS_TOKEN
    given = request.headers.get("Authorization", "")
    return bool(token) and secrets.compare_digest(given.encode(), f"Bearer {token}".encode())


def metrics(request):
    if not (_scraper(request) or access.can_read_metrics(request.user)):
        raise Http404("no such page")
    return ExportToDjangoView(request)
