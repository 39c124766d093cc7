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


def test_the_years_history_shows_deemed_approvals_payments_on_their_days_and_works_under_way(
        city, django_capture_on_commit_callbacks):
    """Before: no deemed approval ever, all 356 payments booked on today's date, every works in the future (so
    the WZDx feed was empty)."""
    from django.test import Client

    from panjereh.core.calendar import local_date
    from panjereh.billing.models import LedgerEntry, Payment
    from panjereh.works.models import Works

    with django_capture_on_commit_callbacks(execute=True):  # the trenches are raised as each file commits
        counts = build_history(months=4, per_month=15, seed=11)
    assert counts["deemed"] >= 1
    assert ReviewTask.objects.filter(status="deemed_approved").count() >= counts["deemed"]
    settled = Payment.objects.filter(status="settled")
    days = {local_date(p.settled_at) for p in settled}
    assert len(days) >= 10 and local_date(timezone.now()) not in days
    assert not LedgerEntry.objects.filter(booked_at__date=timezone.now().date()).exists()
    raised = Works.objects.filter(connection_order__isnull=False)
    assert raised.exists() and raised.filter(start_date__lt=timezone.now().date()).exists()
    assert counts["works_today"] == raised.filter(status="in_progress").count()
    if counts["works_today"]:
        feed = Client().get("/api/v1/works/feed/wzdx/").json()
        assert len(feed["features"]) >= counts["works_today"]
