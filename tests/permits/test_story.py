"""The whole story through the HTTP API, on both databases: one visit, no letters, everything at once."""

import random

import pytest

from panjereh.core.calendar import add_working_days, local_date
from panjereh.core.models import AuditRecord, OutboxEvent
from panjereh.permits.models import Application, ConnectionOrder, Permit, TariffChange
from panjereh.billing.models import LedgerEntry, Payment
from tests.permits.helpers import good_parcel, pay_at_psp, request_body, supervise_to_completion

pytestmark = pytest.mark.django_db

REVIEWERS = {"municipality": "reviewer.municipality", "water": "reviewer.water", "power": "reviewer.power",
             "gas": "reviewer.gas", "fire": "reviewer.fire", "telecom": "reviewer.telecom"}


@pytest.mark.parametrize("seed", [1, 2])
def test_the_whole_story(client_for, city, seed, fake_psp, settings):
    operator = client_for("operator1")
    parcel = good_parcel(city)
    # 1. apply: water, sewer and power now, gas later, telecom not needed
    response = operator.post("/api/v1/applications/", request_body(parcel), format="json")
    assert response.status_code == 201, response.json()
    app = response.json()
    assert app["applicant"]["name"] == "علی کریمی"  # Arabic letters normalised
    assert {t["agency"] for t in app["tasks"]} == {"municipality", "water", "power"}  # at once, in parallel
    today = local_date(Application.objects.get(pk=app["id"]).submitted_at)
    for task in app["tasks"]:
        days = {"municipality": 15, "water": 10, "power": 10}[task["agency"]]
        assert task["due_date"] == add_working_days(today, days).isoformat()
        assert task["due_date_jalali"].startswith("14")
    assert {s["service"]: s["feasible"] for s in app["feasibility"]["services"]}["water"]
    assert app["bills"] == [] and app["permit"] is None

    # 2. every agency approves, in any order; the bill appears only after the last approval
    agencies = ["municipality", "water", "power"]
    random.Random(seed).shuffle(agencies)
    for n, agency in enumerate(agencies):
        body = {"decision": "approve"} if agency != "power" else {"decision": "approve_with_conditions",
                                                                    "conditions": "نصب کنتور در ورودی"}
        r = client_for(REVIEWERS[agency]).post(f"/api/v1/applications/{app['id']}/reviews/{agency}/decision/",
                                               body, format="json")
        assert r.status_code == 200, r.json()
        assert r.json()["changed"]
        assert bool(r.json()["application"]["bills"]) == (n == len(agencies) - 1)
    detail = operator.get(f"/api/v1/applications/{app['id']}/").json()
    assert detail["status"] == "awaiting_payment"
    bill = detail["bills"][0]
    assert {line["code"] for line in bill["lines"]} == {"permit", "water", "sewer", "power"}
    assert bill["total"] == sum(line["amount"] for line in bill["lines"]) > 0

    # 3. one payment: permit, every 'now' connection order and the tariff switch, together
    events_before = OutboxEvent.objects.count()
    r = operator.post(f"/api/v1/applications/{app['id']}/payments/",
                      {"provider": "cash", "amount": str(bill["total"]), "reference": "R-۱۰۰۱"}, format="json")
    assert r.status_code == 201, r.json()
    issued = r.json()["application"]
    assert issued["status"] == "issued" and issued["permit"]["number"].startswith("AHV-14")
    assert {o["service"] for o in issued["connection_orders"]} == {"water", "sewer", "power"}
    tariffs = operator.get(f"/api/v1/parcels/{parcel.pk}/tariffs/").json()
    assert tariffs["current_class"] == "construction"
    assert [(c["from"], c["to"]) for c in tariffs["changes"]] == [("residential", "construction")]
    new_events = set(OutboxEvent.objects.filter(pk__gt=0).order_by("id")[events_before:]
                     .values_list("event_type", "agency_code"))
    assert {("permit.issued", "municipality"), ("tariff.changed", "water"), ("connection.ordered", "power"),
            ("bill.paid", "municipality")} <= new_events
    ledger = {e.agency.code: e.amount for e in LedgerEntry.objects.filter(payment__bill__application_id=app["id"])}
    assert ledger["municipality"] + ledger["water"] + ledger["power"] == bill["total"]

    # the same payment sent again changes nothing
    counts = (Payment.objects.count(), Permit.objects.count(), TariffChange.objects.count(),
              ConnectionOrder.objects.count(), LedgerEntry.objects.count())
    again = operator.post(f"/api/v1/applications/{app['id']}/payments/",
                          {"provider": "cash", "amount": bill["total"], "reference": "R-1001"}, format="json")
    assert again.status_code == 200 and not again.json()["changed"]
    assert counts == (Payment.objects.count(), Permit.objects.count(), TariffChange.objects.count(),
                      ConnectionOrder.objects.count(), LedgerEntry.objects.count())

    # 4. gas, chosen 'later', is activated on the same file and paid through the bank gateway
    r = operator.post(f"/api/v1/applications/{app['id']}/services/gas/activate/", {"size": {"meter_class": "G10"}},
                      format="json")
    assert r.status_code == 201, r.json()
    r = client_for("reviewer.gas").post(f"/api/v1/applications/{app['id']}/reviews/gas/decision/",
                                        {"decision": "approve"}, format="json")
    assert r.status_code == 200, r.json()
    gas_bill = next(b for b in r.json()["application"]["bills"] if b["stage"] == "activation:gas")
    assert [line["code"] for line in gas_bill["lines"]] == ["gas"]
    r = operator.post(f"/api/v1/applications/{app['id']}/payments/", {"provider": "gateway",
                                                                     "amount": gas_bill["total"]}, format="json")
    assert r.status_code == 201 and r.json()["pay_url"].startswith(settings.PANJEREH_PSP_URL), r.json()
    back = pay_at_psp(r.json()["pay_url"])
    public = client_for()
    ok = public.get("/payments/gateway/return/", back)
    assert ok.status_code == 200
    assert Payment.objects.get(reference=back["order_id"]).status == "settled"
    replay = public.get("/payments/gateway/return/", back)
    assert replay.status_code == 200 and Payment.objects.filter(reference=back["order_id"]).count() == 1
    orders = operator.get(f"/api/v1/applications/{app['id']}/").json()["connection_orders"]
    assert sorted(o["service"] for o in orders) == ["gas", "power", "sewer", "water"]
    assert ConnectionOrder.objects.filter(application_id=app["id"], service__code="gas").count() == 1
    assert TariffChange.objects.filter(parcel=parcel).count() == 1  # activation does not touch the tariff

    # 5. completion switches the tariff to the building's final use, once
    assert client_for("operator1").post(f"/api/v1/applications/{app['id']}/completion/").status_code == 403
    # the building is not supervised yet: no completion before the municipality's final inspection (B-READY 7)
    unsupervised = client_for("signer").post(f"/api/v1/applications/{app['id']}/completion/",
                                             {"reason": "ساختمان در حال بهره‌برداری است"}, format="json")
    assert unsupervised.status_code == 409 and "بازرسی" in unsupervised.json()["error"]["message"]
    supervise_to_completion(app["id"])
    # no connection is installed yet: completion needs a reason, and keeps it
    early = client_for("signer").post(f"/api/v1/applications/{app['id']}/completion/")
    assert early.status_code == 400 and "reason" in early.json()["error"]["details"]
    r = client_for("signer").post(f"/api/v1/applications/{app['id']}/completion/",
                                  {"reason": "ساختمان در حال بهره‌برداری است"}, format="json")
    assert r.status_code == 201 and r.json()["application"]["status"] == "completed"
    assert client_for("signer").post(f"/api/v1/applications/{app['id']}/completion/").status_code == 200
    tariffs = operator.get(f"/api/v1/parcels/{parcel.pk}/tariffs/").json()
    assert tariffs["current_class"] == "residential"
    assert [c["cause"] for c in tariffs["changes"]] == ["permit_issued", "completion"]

    # 6. the applicant follows the file with the tracking code and mobile, in Persian digits
    track = client_for().post(f"/api/v1/track/{app['tracking_code'].lower()}/", {"mobile": "۰۹۱۶۱۲۳۴۵۶۷"},
                              format="json")
    assert track.status_code == 200
    assert track.json()["permit"]["number"] == issued["permit"]["number"]
    assert {t["agency"] for t in track.json()["tasks"]} == {"municipality", "water", "power", "gas"}
    assert "applicant" not in track.json()
    assert client_for().post(f"/api/v1/track/{app['tracking_code']}/", {"mobile": "09160000000"},
                             format="json").status_code == 404

    # every change left an audit record
    actions = set(AuditRecord.objects.values_list("action", flat=True))
    assert {"application.submit", "review.decide", "payment.record", "bill.settle", "permit.issue",
            "service.activate", "completion.certify"} <= actions


def test_printable_permit_and_public_verification(client, client_for, city):
    from django.contrib.auth import get_user_model

    operator = client_for("operator1")
    parcel = good_parcel(city)
    app = operator.post("/api/v1/applications/", request_body(parcel), format="json").json()
    for agency in ("municipality", "water", "power"):
        client_for(REVIEWERS[agency]).post(f"/api/v1/applications/{app['id']}/reviews/{agency}/decision/",
                                           {"decision": "approve"}, format="json")
    total = operator.get(f"/api/v1/applications/{app['id']}/").json()["bills"][0]["total"]
    issued = operator.post(f"/api/v1/applications/{app['id']}/payments/",
                           {"provider": "cash", "amount": total, "reference": "P-1"}, format="json").json()
    permit = issued["application"]["permit"]
    assert client.get(permit["certificate_url"]).status_code == 302  # sign in first
    client.force_login(get_user_model().objects.get(username="operator1"))
    page = client.get(permit["certificate_url"])
    text = page.content.decode()
    # the number begins with the city's Latin prefix (AHV-…): a code with Latin letters stays in one script
    assert permit["number"].startswith("AHV-")
    assert page.status_code == 200 and permit["number"] in text and "<svg" in text and 'dir="rtl"' in text
    client.force_login(get_user_model().objects.get(username="operator2"))  # another office: not theirs
    assert client.get(permit["certificate_url"]).status_code == 404
    verify = client.get(permit["verify_url"])
    assert verify.status_code == 200 and f'<bdi dir="ltr">{permit["number"]}</bdi>' in verify.content.decode()
    assert client.get("/verify/not-a-code/").status_code == 404


def test_fire_service_reviews_tall_buildings(client_for, city):
    parcel = good_parcel(city)
    parcel.max_floors = 8
    parcel.max_density = 900
    parcel.save()
    body = request_body(parcel, permit__floors=6)
    app = client_for("operator1").post("/api/v1/applications/", body, format="json").json()
    assert {t["agency"] for t in app["tasks"]} == {"municipality", "water", "power", "fire"}


def test_planning_problems_are_spelled_out(client_for, city):
    parcel = good_parcel(city)
    body = request_body(parcel, permit__floors=parcel.max_floors + 2, permit__land_use="industrial",
                        permit__gross_floor_area=parcel.area_m2 * (parcel.max_density / 100 + 1))
    response = client_for("operator1").post("/api/v1/applications/", body, format="json")
    assert response.status_code == 201, response.json()
    app = response.json()
    codes = {p["code"]: p for p in app["planning_problems"]}
    assert set(codes) == {"land_use", "floors", "density"}
    assert f"reduce to {parcel.max_floors}" in codes["floors"]["en"]
    assert "کاهش" in codes["density"]["fa"]


def test_gas_feasibility_problem_is_shown_before_anyone_pays(client_for, city):
    from panjereh.citymap.models import Parcel

    probe = Parcel.objects.get(**city.manifest["faults"]["no_gas_area"]["probe_parcel"])
    body = request_body(probe, permit__land_use=probe.land_use,
                        services={"water": {"timing": "now"}, "sewer": {"timing": "now"}, "power": {"timing": "now"},
                                  "gas": {"timing": "now", "size": {"meter_class": "G4"}},
                                  "telecom": {"timing": "not_needed"}})
    app = client_for("operator1").post("/api/v1/applications/", body, format="json").json()
    gas = next(s for s in app["feasibility"]["services"] if s["service"] == "gas")
    assert not gas["feasible"] and "network extension needed" in gas["problems"][0]["en"]
    assert app["bills"] == []
