"""Agency systems post decisions and installed connections: tokens, idempotency, and every bad request."""

import json

import pytest
from rest_framework.test import APIClient

from panjereh.agencies.models import Agency
from panjereh.core.models import AuditRecord, OutboxEvent
from panjereh.integrations.management.commands.agencytoken import create_token
from panjereh.integrations.models import AgencyToken, IdempotencyRecord
from panjereh.permits import services
from panjereh.permits.models import ConnectionOrder, ReviewTask
from tests.permits.helpers import good_parcel, request_body

pytestmark = pytest.mark.django_db


@pytest.fixture
def file(city):
    parcel = good_parcel(city)
    body = request_body(parcel)
    return services.submit_application(actor=None, parcel=parcel, applicant={
        "kind": "person", "national_id": "4608968882", "name": "x", "mobile": "09161234567"},
        permit=body["permit"], services=body["services"])


def system(agency):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Agency {create_token(Agency.objects.get(code=agency), 'billing')}")
    return client


def state():
    return (AuditRecord.objects.count(), OutboxEvent.objects.count(), IdempotencyRecord.objects.count(),
            list(ReviewTask.objects.order_by("id").values_list("status", flat=True)),
            list(ConnectionOrder.objects.order_by("id").values_list("status", "subscription_number")))


def post(client, path, body, key="k-1", **extra):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post(path, body, format="json", **headers, **extra)


def test_decision_with_idempotency_key(file):
    water = system("water")
    body = {"application": file.tracking_code.lower(), "decision": "approve_with_conditions",
            "conditions": "کنتور در ورودی"}
    first = post(water, "/api/v1/inbound/decisions/", body)
    assert first.status_code == 200, first.json()
    assert first.json() == {"application": file.tracking_code, "agency": "water",
                            "status": "approved_with_conditions", "changed": True}
    audit = AuditRecord.objects.filter(action="review.decide").last()
    assert audit.data["via"].startswith("agency-system:water/")
    before = state()
    again = post(water, "/api/v1/inbound/decisions/", body)
    assert again.status_code == 200 and again.json() == first.json() and again["Idempotent-Replay"] == "true"
    assert state() == before
    reused = post(water, "/api/v1/inbound/decisions/", {**body, "decision": "approve"})
    assert reused.status_code == 422 and "k-1" in reused.json()["error"]["message"]  # the key named
    assert state() == before


def test_connection_installed(file):
    for agency in ("municipality", "water", "power"):
        services.record_decision(actor=None, application=file, agency_code=agency, decision="approve")
    bill = services.open_bill(file)
    services.record_payment(actor=None, application=file, provider="cash", amount=bill.total, reference="C1")
    water = system("water")
    r = post(water, "/api/v1/inbound/connections/", {"application": file.tracking_code, "service": "water",
                                                     "subscription_number": "۱۲۳۴۵۶"})
    assert r.status_code == 200 and r.json()["subscription_number"] == "123456" and r.json()["status"] == "installed"
    assert OutboxEvent.objects.filter(event_type="connection.installed", agency_code="water").exists()
    before = state()
    wrong = post(system("power"), "/api/v1/inbound/connections/",
                 {"application": file.tracking_code, "service": "water", "subscription_number": "9"}, key="p-1")
    assert wrong.status_code == 403
    assert state()[:2] == before[:2] and state()[3:] == before[3:]


# a refused decision's answer is kept under its idempotency key, so the same request sent again gets the same
# answer (draft-ietf-httpapi-idempotency-key-header): that record, and nothing else, may be written
@pytest.mark.refusal_records("integrations.IdempotencyRecord")
@pytest.mark.parametrize("case", ["no_token", "wrong_token", "revoked", "other_agency", "unknown_application",
                                  "malformed", "not_json", "no_key", "oversized", "bad_decision"])
def test_bad_inbound_requests_change_nothing(file, case, settings):
    water = system("water")
    body = {"application": file.tracking_code, "decision": "approve"}
    path = "/api/v1/inbound/decisions/"
    before = state()
    if case == "no_token":
        r = post(APIClient(), path, body)
        expected = 401
    elif case == "wrong_token":
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION="Agency pj_water_not-a-real-token")
        r, expected = post(client, path, body), 401
    elif case == "revoked":
        AgencyToken.objects.update(revoked_at="2026-01-01T00:00:00Z")
        r, expected = post(water, path, body), 401
    elif case == "other_agency":
        r, expected = post(system("telecom"), path, body), 403
    elif case == "unknown_application":
        r, expected = post(water, path, {**body, "application": "ZZZZZZZZZZ"}), 404
    elif case == "malformed":
        r, expected = post(water, path, {"application": file.tracking_code}), 400
    elif case == "not_json":
        r = water.post(path, "{not json", content_type="application/json", HTTP_IDEMPOTENCY_KEY="k")
        expected = 400
    elif case == "no_key":
        r, expected = post(water, path, body, key=None), 400
    elif case == "oversized":
        settings.PANJEREH_INBOUND_MAX_BYTES = 100
        r, expected = post(water, path, {**body, "conditions": "x" * 500}), 413
    else:
        r, expected = post(water, path, {**body, "decision": "reject"}), 400  # no reason cited
    assert r.status_code == expected, (case, r.content)
    assert json.loads(r.content)
    after = state()
    assert after[0] == before[0] and after[1] == before[1] and after[3:] == before[3:]
    # an answer the service gave (403, 400 from the rules) is remembered for its key; the others never got that far
    assert after[2] == before[2] + (1 if case in {"bad_decision", "other_agency"} else 0)
