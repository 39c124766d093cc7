"""B-READY's good practices probed in the running system (issue 30): met or not from the city's files, pages and
configuration — never a constant; each practice's evidence taken away turns it to not met."""

import pytest
from django.test import override_settings

from panjereh.billing.models import Payment
from panjereh.citymap.models import Layer
from panjereh.democity.history import build_history
from panjereh.indicators import practices
from panjereh.permits.models import Application, Engineer, Permit
from panjereh.sms.models import SmsMessage
from panjereh.works.models import Works

pytestmark = pytest.mark.django_db

PSP = "http://127.0.0.1:9/"  # configured (the probe asks whether card payment is offered, not the bank)


@pytest.fixture
def history(city):
    return build_history(months=1, per_month=12, seed=30)


def _met(city=None):
    return {p["key"]: p["met"] for p in practices.checklist(city)}


def test_every_practice_is_answered_numbered_with_its_evidence(history, client):
    found = practices.checklist()
    assert [p["number"] for p in found] == list(range(1, 17))
    assert len({p["key"] for p in found}) == 16 and {p["topic"] for p in found} == {"permits", "utilities"}
    by_key = {p["key"]: p for p in found}
    # what the city has: the shared map and the works feed, the utility's own excavation permits, dig once
    assert by_key["network_and_works"]["met"] and by_key["dig_once"]["met"]
    assert by_key["utility_excavation_permit"]["met"] and 0 < by_key["utility_excavation_permit"]["share"] <= 1
    # what it does not have yet is not met, found so by the same probes (no such page or record)
    assert by_key["published_procedure"]["met"] and by_key["published_utility_terms"]["met"]
    assert by_key["public_precheck"]["met"]
    assert by_key["risk_based_inspections"]["met"]
    for key in ("public_zoning", "hazard_information"):  # the test city has no zoning or hazard layer
        assert not by_key[key]["met"], key
    # the evidence is an address the system serves
    for e in by_key["network_and_works"]["evidence"]:
        assert client.get(e["href"]).status_code in (200, 302), e
    # the dashboard and its open data carry the same
    page = client.get("/indicators/").content.decode()
    assert page.count("data-practice=") == 16 and 'data-practice="dig_once" data-met="1"' in page
    data = client.get("/indicators/data.json").json()
    assert [p["met"] for p in data["good_practices"]] == [p["met"] for p in found]


@override_settings(PANJEREH_PSP_URL=PSP)
def test_online_application_and_payment_from_the_files_and_without_the_gateway(history):
    """Practices 1 and 9: met when files were opened from home and paid by card; not met with the gateway
    unset, nor when no file used them."""
    assert not _met()["online_permit"]  # the history's files were paid in cash at the counter, none by card
    paid = Payment.objects.filter(status=Payment.Status.SETTLED).values_list("bill__application", flat=True)[:3]
    Application.objects.filter(pk__in=list(paid)).update(channel=Application.Channel.ONLINE)
    Payment.objects.filter(bill__application__in=list(paid)).update(provider=Payment.Provider.GATEWAY)
    met = _met()
    assert met["online_permit"] and met["utility_online"]
    with override_settings(PANJEREH_PSP_URL=""):
        met = _met()
        assert not met["online_permit"] and not met["utility_online"]


def test_each_practice_turns_not_met_when_its_evidence_is_taken_away(history):
    assert _met()["network_and_works"]
    Layer.objects.filter(kind="network", agency__code="power").update(kind="generic")
    assert not _met()["network_and_works"]

    assert _met()["utility_excavation_permit"]
    Works.objects.update(connection_order=None)
    assert not _met()["utility_excavation_permit"]

    assert _met()["online_appeal"]  # the appeal body's desk, and someone holding its role
    with override_settings(PANJEREH_APPEAL_ROLE="nobody"):
        assert not _met()["online_appeal"]

    # construction inspected by phase and by risk: the draw, the completion's gate, the inspectors of the register
    assert _met()["risk_based_inspections"]
    with override_settings(PANJEREH_INSPECTION_SAMPLING={"A": 0, "B": 0, "C": 0, "D": 0}):
        assert not _met()["risk_based_inspections"]
    with override_settings(PANJEREH_COMPLETION_NEEDS_FINAL_INSPECTION=False):
        assert not _met()["risk_based_inspections"]
    Engineer.objects.update(user=None)
    assert not _met()["risk_based_inspections"]

    assert _met()["dig_once"]
    with override_settings(PANJEREH_WORKS_RULES={"moratorium_years": {"asphalt": 0, "concrete": 0}}):
        assert not _met()["dig_once"]

    # every tariff change told by SMS, at the permit (to construction) and at completion (back)
    told = SmsMessage.objects.filter(kind="tariff_changed")
    assert _met()["tariff_change_notified"] and told.exists()
    assert "بنایی" in told.first().text and "۱۴" in told.first().text  # Persian, Persian digits
    SmsMessage.objects.filter(pk=told.first().pk).delete()
    assert not _met()["tariff_change_notified"]

    assert not _met()["digital_permit"]  # the history's permits were never rendered
    permit = Permit.objects.order_by("id").first()
    Permit.objects.filter(pk=permit.pk).update(pdf_file="permits/x.pdf", pdf_sha256="0" * 64)
    assert _met()["digital_permit"]
    Permit.objects.filter(pk=permit.pk).update(pdf_sha256="")
    assert not _met()["digital_permit"]


def test_every_practice_without_its_evidence_is_not_met(history):
    """The checklist's own promise, for the practices the test above leaves: each turns to *not met* when its
    page is gone (a city without the desk or the public page), its setting is off, or its records are."""
    from panjereh.agencies.models import Agency

    before = _met()
    for key in ("public_precheck", "published_procedure", "published_utility_terms", "complaints", "online_appeal",
                "risk_based_inspections"):
        assert before[key], key
    with override_settings(ROOT_URLCONF="tests.indicators.urls_without_desks"):
        gone = _met()
        for key in ("public_precheck", "published_procedure", "published_utility_terms", "complaints",
                    "online_appeal", "risk_based_inspections"):
            assert not gone[key], key
        assert gone["network_and_works"] == before["network_and_works"]  # the others stand as they were
    with override_settings(PANJEREH_COMPLAINT_DAYS=0):
        assert not _met()["complaints"]
    Agency.objects.update(silence_means_approval=False)
    assert not _met()["published_procedure"]  # no deemed approval to publish
    SmsMessage.objects.filter(kind="outage_planned").delete()  # no customer told of a planned outage
    assert not _met()["outages_and_reliability"]


def test_the_published_procedures_are_the_configuration_in_force(city, client):
    """Practices 6 and 12: one public page per permit type and per connection, read from the configuration —
    a deadline or a fee changed in the admin shows on the next request; an unknown type is a 404."""
    from panjereh.agencies.models import Agency, FeeSchedule

    page = client.get("/procedures/permits/new/")
    text = page.content.decode()
    assert page.status_code == 200 and 'id="deadlines"' in text and 'data-example="house"' in text
    municipality = Agency.objects.get(code="municipality")
    assert f'data-agency="municipality"><td>{municipality.name_fa}</td><td>' in text
    Agency.objects.filter(pk=municipality.pk).update(review_days=17)
    assert "۱۷" in client.get("/procedures/permits/new/").content.decode()  # the new deadline, at once

    water = client.get("/procedures/connections/water/").content.decode()
    assert 'id="costs"' in water and 'id="connection-days"' in water
    schedule = FeeSchedule.objects.get(code="water", city__isnull=True)
    before = water.count("<tr>")
    doubled = {**schedule.params, "rate_per_m3": schedule.params["rate_per_m3"] * 2}
    FeeSchedule.objects.filter(pk=schedule.pk).update(params=doubled)
    assert client.get("/procedures/connections/water/").content.decode() != water  # the new fee, at once
    assert before > 3
    assert client.get("/procedures/permits/nothing/").status_code == 404
    assert client.get("/procedures/connections/nothing/").status_code == 404
    assert client.get("/procedures/permits/new/?city=nowhere").status_code == 404


def test_the_public_check_before_applying_answers_anyone_and_keeps_nothing(city, client):
    """Practice 5: no sign-in — a parcel found by its plate, its zoning, each service's reach, the planning
    problems, the fee estimate and the documents; nothing written; the network's assets are not named to the
    public; a visitor past the minute's limit waits."""
    from django.apps import apps as django_apps

    from panjereh.citymap.models import Parcel
    from tests.permits.helpers import good_parcel

    parcel = good_parcel(city, needs=("water",))
    found = client.get("/precheck/", {"q": f"{parcel.plate_main}/{parcel.plate_sub}"})
    assert found.status_code == 200 and f"?parcel={parcel.pk}" in found.content.decode()
    counts = {m._meta.label: m._base_manager.count() for m in django_apps.get_models()
              if m._meta.app_label in {"permits", "billing", "core", "citizens", "sms"}}
    answer = client.post(f"/precheck/?parcel={parcel.pk}", {
        "permit_type": "new", "land_use": "residential", "floors": parcel.max_floors + 3, "units": "2",
        "gross_floor_area": "200", "parking_spaces": "1", "timing_water": "now", "water_diameter_mm": "20",
        "timing_power": "now", "power_phases": "1", "power_kw": "5"})
    text = answer.content.decode()
    assert answer.status_code == 200 and 'id="estimate-total"' in text and 'data-field="max_floors"' in text
    assert 'data-service="water"' in text and 'data-problem="floors"' in text  # too many floors, said so
    assert 'id="documents"' in text
    after = {m._meta.label: m._base_manager.count() for m in django_apps.get_models()
             if m._meta.app_label in {"permits", "billing", "core", "citizens", "sms"}}
    assert after == counts  # nothing stored
    # the public is not told which asset serves the parcel
    served = [s for s in views_estimate(parcel) if s.get("nearest")]
    assert served, "the staff's answer names the nearest asset"
    assert not any(str(s["nearest"]) in text for s in served)
    assert client.get("/precheck/?parcel=999999999").status_code == 404
    # by a click on the map: the parcel under the point (the map's link carries the point in degrees)
    import shapely

    from panjereh.citymap import crs as crsmod

    inside = crsmod.to_crs84(shapely.from_wkb(bytes(parcel.geom.point_on_surface.wkb)))
    clicked = client.get("/precheck/", {"lon": f"{inside.x:.7f}", "lat": f"{inside.y:.7f}"})
    assert clicked.status_code == 302 and clicked["Location"].endswith(f"?parcel={parcel.pk}")
    nowhere = client.get("/precheck/", {"lon": "10.0", "lat": "10.0"})
    assert nowhere.status_code == 404 and "نقشه" in nowhere.content.decode()
    assert client.get("/precheck/", {"lon": "x", "lat": "y"}).status_code == 404
    with override_settings(PANJEREH_PRECHECK_PER_MINUTE=0):
        assert client.get("/precheck/").status_code == 429
    assert Parcel.objects.filter(pk=parcel.pk).exists()


def views_estimate(parcel):
    """What the map answers staff about each service at the parcel (the nearest asset's id among it)."""
    from panjereh.citymap.services import feasibility

    return [{"nearest": (s.get("nearest") or {}).get("ext_id")} for s in feasibility(parcel)["services"]]


def _public_layer(code, name_fa, features, geometry_type="Polygon"):
    """A layer the municipality imports like any other: versioned, public."""
    import shapely

    from panjereh.agencies.models import Agency
    from panjereh.citymap.importing import PreparedFeatures, feature_row
    from panjereh.citymap.services import create_layer, publish_version

    layer = create_layer(actor=None, code=code, name_fa=name_fa, name_en=code, kind="generic",
                         geometry_type=geometry_type, visibility="public",
                         agency=Agency.objects.get(code="municipality"))
    publish_version(layer=layer, prepared=PreparedFeatures(
        geoms=[shapely.from_wkb(bytes(g.wkb)) for g, _ in features],
        rows=[feature_row(ext_id=attrs.get("zone", attrs.get("name", "x")), attrs=attrs) for _, attrs in features]))
    return layer


def test_the_citys_zoning_and_hazard_layers_are_public_and_in_the_precheck(city, client):
    """Practices 4 and 8: not met until the city imports its zoning and hazard layers; then its zones' rules
    table is public, the layers are read without signing in through the OGC API, and the pre-check shows the
    parcel's zone and warns of the hazard areas it touches."""
    from tests.permits.helpers import good_parcel

    assert not _met()["public_zoning"] and not _met()["hazard_information"]
    assert 'id="no-zoning"' in client.get("/procedures/zoning/").content.decode()
    parcel = good_parcel(city, needs=("water",))
    zone = parcel.geom.buffer(200)
    _public_layer("zoning-detailed-plan", "طرح تفصیلی", [(zone, {
        "zone": "R121", "land_use": "مسکونی", "max_floors": 4, "density": 180, "occupancy": 60,
        "setback": "۶۰٪ طول + ۲ متر"})])
    _public_layer("hazard-flood", "پهنهٔ سیل‌گیر", [(parcel.geom.buffer(5), {"name": "حریم کارون", "rule": "ساخت با تراز ۱ متر"})])
    met = _met()
    assert met["public_zoning"] and met["hazard_information"]
    rules = client.get("/procedures/zoning/").content.decode()
    assert 'data-zone="R121"' in rules and "۶۰٪ طول" in rules
    items = client.get("/ogc/collections/zoning-detailed-plan/items").json()  # no sign-in
    assert items["features"][0]["properties"]["zone"] == "R121"  # the zone's rules as its properties
    check = client.get(f"/precheck/?parcel={parcel.pk}").content.decode()
    assert 'data-zone="R121"' in check and 'data-layer="hazard-flood"' in check and "حریم کارون" in check
