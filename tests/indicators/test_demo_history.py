"""The demo city's months of files: made through the services, dated in the past by each agency's habits,
so the dashboard of a fresh demo shows true measurements."""

import pytest
from django.utils import timezone

from panjereh.democity.history import build_history
from panjereh.indicators import measures
from panjereh.permits.models import Application, InfoRequest, ReviewTask

pytestmark = pytest.mark.django_db


def test_months_of_files_for_the_dashboard(city):
    before = Application.objects.count()
    counts = build_history(months=3, per_month=12, seed=3)
    assert counts["files"] >= 30 and Application.objects.count() - before == counts["files"]
    assert not ReviewTask.objects.filter(decided_at__gt=timezone.now()).exists()  # nothing in the future
    assert InfoRequest.objects.filter(waited_working_days__gt=0).count() == counts["info_requests"]
    rows = [r for r in measures.reviews_by_agency_month() if not r["suppressed"]]
    by_agency = {}
    for r in rows:
        by_agency.setdefault(r["agency"], []).append(r["agency_days_median"])
    # the power company's habit (slow, often late) shows against the water company's
    assert max(by_agency["power"]) > max(by_agency["water"])
    assert [r for r in measures.permits_by_month() if not r["suppressed"]]
