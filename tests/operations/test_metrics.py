"""Issue 28 item 8 (operations a province can watch): /metrics in Prometheus's format, through django-prometheus
and prometheus-client — request latency per view, each queue's backlog and oldest age, dead letters, payments and
text messages by outcome, identity inquiries by outcome, the worker's last pass; for the scraper's token or a
signed-in coordinator only, and naming no person or file."""

import datetime
import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from panjereh.core import jobs
from panjereh.sms.models import SmsMessage

pytestmark = pytest.mark.django_db


def _value(text: str, name: str, labels: str = "") -> float:
    match = re.search(rf"^{re.escape(name)}{re.escape(labels)} (\S+)$", text, flags=re.M)
    assert match, f"{name}{labels} not in the metrics"
    return float(match.group(1))


def test_the_scraper_reads_the_figures_and_nobody_else_does(city, settings):
    settings.PANJEREH_METRICS_TOKEN = "scrape-" + "x" * 40
    anonymous = Client()
    assert anonymous.get("/metrics").status_code == 404
    assert anonymous.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 404
    operator = Client()
    operator.force_login(get_user_model().objects.get(username="operator1"))
    assert operator.get("/metrics").status_code == 404
    coordinator = Client()
    coordinator.force_login(get_user_model().objects.get(username="coordinator"))
    assert coordinator.get("/metrics").status_code == 200

    # a text message waiting an hour, one given up; a worker pass
    SmsMessage.objects.create(event_key="m1", kind="bill_ready", mobile="09160000001", text="x",
                              next_attempt_at=timezone.now())
    SmsMessage.objects.filter(event_key="m1").update(created_at=timezone.now() - datetime.timedelta(hours=1))
    SmsMessage.objects.create(event_key="m2", kind="bill_ready", mobile="09160000002", text="x",
                              next_attempt_at=timezone.now(), status="dead")
    jobs.run_all("metrics-test", 1)
    anonymous.get("/track/")  # a request, for the latency by view
    text = anonymous.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {settings.PANJEREH_METRICS_TOKEN}").content.decode()
    assert _value(text, "panjereh_queue_backlog", '{queue="sms"}') >= 1
    assert _value(text, "panjereh_queue_oldest_age_seconds", '{queue="sms"}') >= 3500
    assert _value(text, "panjereh_queue_dead", '{queue="sms"}') >= 1
    assert 0 <= _value(text, "panjereh_worker_seconds_since_last_pass") < 60
    assert 'django_http_requests_latency_seconds_by_view_method_count{method="GET",view="track"}' in text
    assert "panjereh_queue_backlog{queue=\"webhooks\"}" in text and "panjereh_queue_backlog{queue=\"outbox\"}" in text
    assert "09160000001" not in text and "09160000002" not in text  # no person in it


def test_identity_inquiries_are_counted_by_outcome(fake_identity, settings):
    from prometheus_client import REGISTRY

    from panjereh.citizens import services

    def count(outcome):
        return REGISTRY.get_sample_value("panjereh_identity_inquiries_total", {"outcome": outcome}) or 0

    before = count("match"), count("unavailable")
    services.inquire("4608968882", "09161234567")
    settings.PANJEREH_IDENTITY_URL = "http://127.0.0.1:9/"  # nobody answers there
    services.inquire("4608968882", "09161234567")
    assert (count("match") + count("mismatch"), count("unavailable")) >= (before[0] + 1, before[1] + 1)
