"""The whole street-works story through the agencies' own API tokens, on the database under test: gas plans a
main, water applies for works on the same street two months later, the conflict is found, one shared trench
is permitted, both agencies are billed their share through the same bill and ledger (and pay it by transfer,
recorded by the municipality, never by themselves), the street is resurfaced, telecom's works in the
moratorium are refused, an emergency is allowed. Then inspections with photos, the penalty of a failed one,
and Article 103's recovery bill."""

import datetime
import io

import pytest
from django.utils import timezone
from PIL import Image

from panjereh.core.calendar import add_working_days, local_date
from panjereh.billing.models import Bill, LedgerEntry
from panjereh.works import services
from panjereh.works.models import Inspection, Works, WorksConflict

from .test_works import data, street, trench

pytestmark = pytest.mark.django_db


def post(client, url, body, code):
    response = client.post(url, body, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == code, response.content.decode()
    return response.json()


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 120, 40)).save(out, format="PNG")
    return out.getvalue()


def test_dig_once_billing_resurfacing_and_moratorium(client_for, city):
    gas, water, telecom = client_for("gis.gas"), client_for("reviewer.water"), client_for("gis.telecom")
    municipality = client_for("reviewer.municipality")
    line, name = street(21)
    plan = post(gas, "/api/v1/works/", {**data(trench(line, 2), start_in=60, days=40), "reference": "G-MAIN",
                                        "title": "خط تغذیه گاز"}, 201)
    two_months_later = post(water, "/api/v1/works/", {**data(trench(line, -2, part=(0.3, 0.5)), start_in=70,
                                                             days=15), "reference": "W-PIPE"}, 201)
    assert two_months_later["conflicts"] == [{"works": plan["id"], "distance_m": pytest.approx(4, abs=0.5),
                                              "gap_days": 0}]
    assert WorksConflict.objects.count() == 1
    # water proposes one trench with gas (the service: the page and API call the same)
    trench_ = services.propose_shared_trench(actor=None, works=[Works.objects.get(pk=plan["id"]),
                                                                Works.objects.get(pk=two_months_later["id"])])
    post(gas, f"/api/v1/works/{plan['id']}/permit/", {}, 201)
    # an agency cannot decide its own permit; the municipality does
    post(gas, f"/api/v1/works/{plan['id']}/permit/decision/", {"decision": "grant"}, 403)
    post(municipality, f"/api/v1/works/{plan['id']}/permit/decision/", {"decision": "grant",
                                                                        "conditions": "ساعت ۸ تا ۱۸، ورق فلزی"}, 200)
    assert set(Works.objects.filter(shared_trench=trench_).values_list("status", flat=True)) == {"permitted"}
    # each agency is billed its own share, payable to the municipality
    split = services.shared_fee_split(trench_)
    gas_bills = gas.get("/api/v1/works/bills/").json()["bills"]
    assert [(b["payer"], b["total"], b["paid"]) for b in gas_bills] == [("gas", split["gas"], 0)]
    assert gas_bills[0]["lines"][0]["agency"] == "municipality"
    water_bill = Bill.objects.get(payer__code="water", stage=f"excavation:{two_months_later['id']}")
    assert water_bill.total == split["water"] > 0
    assert {b["payer"] for b in municipality.get("/api/v1/works/bills/").json()["bills"]} == {"gas", "water"}
    # gas cannot mark its own bill paid; the municipality records the transfer, once
    gas_bill = gas_bills[0]["id"]
    post(gas, f"/api/v1/works/bills/{gas_bill}/transfer/", {"reference": "TR-1", "amount": split["gas"]}, 403)
    refused = post(municipality, f"/api/v1/works/bills/{gas_bill}/transfer/",
                   {"reference": "TR-1", "amount": split["gas"] - 1}, 400)
    assert "amount" in refused["error"]["details"]
    paid = post(municipality, f"/api/v1/works/bills/{gas_bill}/transfer/",
                {"reference": "TR-1", "amount": split["gas"]}, 201)
    assert paid["paid"] == split["gas"] and paid["settled_at"]
    post(municipality, f"/api/v1/works/bills/{gas_bill}/transfer/", {"reference": "TR-1", "amount": split["gas"]},
         200)  # the same transfer again changes nothing
    booked = LedgerEntry.objects.filter(payment__bill_id=gas_bill)
    assert [(e.agency.code, e.amount) for e in booked] == [("municipality", split["gas"])]
    assert post(municipality, f"/api/v1/works/bills/{gas_bill}/transfer/",
                {"reference": "TR-2", "amount": split["gas"]}, 409)
    # the street is resurfaced; telecom's works there are refused, an emergency is allowed
    resurfacing = post(client_for("gis.municipality"), "/api/v1/works/",
                       {**data(trench(line, 0), start_in=0, days=0), "reference": "R-21", "kind": "resurfacing"},
                       201)
    for step in ("in_progress", "completed"):
        post(client_for("gis.municipality"), f"/api/v1/works/{resurfacing['id']}/progress/", {"status": step}, 200)
    refused = post(telecom, "/api/v1/works/", {**data(trench(line, 4), start_in=30), "reference": "T-FIBRE"}, 400)
    assert "resurfaced" in str(refused["error"]["details"])
    emergency = post(telecom, "/api/v1/works/", {**data(trench(line, 4), start_in=0, days=0),
                                                 "reference": "T-CUT", "works_class": "immediate"}, 201)
    assert emergency["status"] == "planned" and name in emergency["streets"]


def test_deemed_permit_is_billed(city):
    from panjereh.agencies.models import Agency

    line, _ = street(23)
    works = services.register_works(actor=None, agency=Agency.objects.get(code="power"),
                                    data={**data(trench(line), start_in=40), "reference": "P-D"})
    permit = services.apply_for_permit(actor=None, works=works)
    later = datetime.datetime.combine(permit.due_date + datetime.timedelta(days=1), datetime.time(12),
                                      tzinfo=datetime.UTC)
    services.deem_overdue_permits(now=later)
    bill = Bill.objects.get(payer__code="power", stage=f"excavation:{works.pk}")
    assert bill.total == permit.fee > 0 and bill.settled_at is None


def test_inspections_photos_penalty_and_article_103(client_for, city, settings, tmp_path):
    from panjereh.agencies.models import Agency

    settings.MEDIA_ROOT = tmp_path
    made = []
    for n in range(10):
        line, _ = street(70 + n)
        w = services.register_works(actor=None, agency=Agency.objects.get(code="gas"),
                                    data={**data(trench(line), start_in=0, days=0, works_class="immediate"),
                                          "reference": f"G-I{n}"})
        services.apply_for_permit(actor=None, works=w)
        services.decide_permit(actor=None, works=w, decision="grant")
        for step in ("in_progress", "completed"):
            w = services.record_progress(actor=None, works=w, status=step)
        made.append(w)
    chosen = services.select_for_inspection(phase="completed", seed=7)
    assert len(chosen) == 1
    inspection = chosen[0]
    url = f"/api/v1/works/inspections/{inspection.pk}/"
    gas, inspector = client_for("gis.gas"), client_for("gis.municipality")
    # the inspected agency neither records the finding nor adds photos
    post(gas, url, {"passed": True}, 403)
    photo = png_bytes()
    assert gas.post(url + "photos/", {"photo": io.BytesIO(photo)}, format="multipart").status_code == 403
    # a text file named .png is refused by its content, in Persian by default; nothing stored
    fake = io.BytesIO(b"not an image at all")
    fake.name = "defect.png"
    refused = inspector.post(url + "photos/", {"photo": fake}, format="multipart")
    assert refused.status_code == 400 and "JPEG" in refused.json()["error"]["details"]["photo"][0]
    assert not list(tmp_path.rglob("*.png"))
    real = io.BytesIO(photo)
    real.name = "defect.png"
    stored = inspector.post(url + "photos/", {"photo": real}, format="multipart")
    assert stored.status_code == 201, stored.content
    import hashlib

    assert stored.json()["sha256"] == hashlib.sha256(photo).hexdigest()
    download = gas.get(f"{url}photos/{stored.json()['id']}/")  # the agency sees what was found
    assert download.status_code == 200 and b"".join(download.streaming_content) == photo
    post(inspector, url, {"passed": False, "defects": "نشست آسفالت و ترک"}, 200)
    post(inspector, url, {"passed": True}, 409)  # recorded once
    penalty = Bill.objects.get(payer__code="gas", stage=f"penalty:{inspection.pk}")
    assert penalty.total > 0 and penalty.lines.get().code == "inspection_penalty"
    assert Inspection.objects.get(pk=inspection.pk).passed is False
    # Article 103: unrestored a month and more after the end, restored by the municipality, billed at cost + 10%
    charges = services.recover_unrestored(today=add_working_days(local_date(timezone.now()), 31))
    assert len(charges) == 10
    for charge in charges:
        bill = Bill.objects.get(pk=charge.bill_id)
        assert bill.payer.code == "gas" and bill.total == charge.total == charge.cost + charge.overhead
        assert sorted(line.code for line in bill.lines.all()) == ["article103", "article103_overhead"]
    # the agency reads its bills; another agency reads none of them
    stages = [b["stage"].split(":")[0] for b in gas.get("/api/v1/works/bills/?unpaid=1").json()["bills"]]
    assert sorted(stages) == ["article103"] * 10 + ["excavation"] * 10 + ["penalty"]
    assert client_for("reviewer.water").get("/api/v1/works/bills/").json()["bills"] == []
    assert client_for("operator1").get("/api/v1/works/bills/").status_code == 403
