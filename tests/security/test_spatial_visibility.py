"""Restricted networks stay restricted in every spatial answer: feasibility (live and stored in a file) and
incidents (created, read, printed, alerted) count the assets of hidden layers and never describe them."""

import json

import pytest
from django.test import Client

from panjereh.citymap.models import Feature, Layer
from panjereh.core.models import OutboxEvent
from tests.conftest import user
from tests.permits.helpers import good_parcel, request_body

pytestmark = pytest.mark.django_db

POWER_LAYERS = ("power-cables", "power-nodes")


@pytest.fixture
def power_restricted(city):
    """The power company keeps its network to itself (and the coordinators)."""
    Layer.objects.filter(code__in=POWER_LAYERS).update(visibility="agency")
    return {f.pk for f in Feature.objects.current().filter(layer__code__in=POWER_LAYERS)}


def power_ids_in(body) -> set[int]:
    """Every asset id (an "id" below the top level) anywhere in a JSON body."""
    found = set()

    def walk(value, top=False):
        if isinstance(value, dict):
            for k, v in value.items():
                if k == "id" and not top and isinstance(v, int):
                    found.add(v)
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)
    walk(body, top=True)
    return found


def test_feasibility_hides_restricted_networks_live_and_stored(client_for, city, power_restricted):
    parcel = good_parcel(city)
    power_ext = set(Feature.objects.filter(pk__in=power_restricted).values_list("ext_id", flat=True))

    live = client_for("reviewer.water").get(f"/api/v1/parcels/{parcel.pk}/feasibility/").json()
    power = next(s for s in live["services"] if s["service"] == "power")
    assert power["nearest"] is None and power["transformer"] is None and power["hidden_count"] == 2
    assert power["feasible"] and power["distance_m"] is not None  # the verdict stays
    text = json.dumps(live, ensure_ascii=False)
    assert not any(ext in text for ext in power_ext) and "load_kva\": 1" not in text
    water = next(s for s in live["services"] if s["service"] == "water")
    assert water["nearest"]["layer"] == "water-mains" and water["hidden_count"] == 0

    own = client_for("reviewer.power").get(f"/api/v1/parcels/{parcel.pk}/feasibility/").json()
    own_power = next(s for s in own["services"] if s["service"] == "power")
    assert own_power["nearest"]["id"] in power_restricted and own_power["transformer"]["spare_kva"] is not None

    app = client_for("operator1").post("/api/v1/applications/", request_body(parcel), format="json").json()
    for who in ("operator1", "reviewer.water"):
        stored = client_for(who).get(f"/api/v1/applications/{app['id']}/").json()["feasibility"]
        stored_power = next(s for s in stored["services"] if s["service"] == "power")
        assert stored_power["nearest"] is None and stored_power["hidden_count"] == 2
        assert not any(ext in json.dumps(stored, ensure_ascii=False) for ext in power_ext)
    seen = client_for("reviewer.power").get(f"/api/v1/applications/{app['id']}/").json()["feasibility"]
    assert next(s for s in seen["services"] if s["service"] == "power")["nearest"]["id"] in power_restricted
    assert client_for("coordinator").get(f"/api/v1/applications/{app['id']}/").json()["feasibility"] == \
        seen

    # redacting leaves the answer it was given as it was: the file keeps every asset for the readers who may see them
    from django.contrib.auth import get_user_model

    from panjereh import access
    from panjereh.permits.models import Application

    kept = Application.objects.get(pk=app["id"]).feasibility
    before = json.dumps(kept, sort_keys=True)
    access.redact("feasibility", get_user_model().objects.get(username="reviewer.water"), kept)
    assert json.dumps(kept, sort_keys=True) == before


def a_power_cable():
    return Feature.objects.current().filter(layer__code="power-cables").order_by("id")[25]


def test_an_incident_on_a_hidden_asset_is_refused_like_a_missing_one(client_for, power_restricted):
    cable = a_power_cable()
    r = client_for("reviewer.water").post("/api/v1/incidents/", {"kind": "cable_fault", "feature": cable.pk},
                                          format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 400 and "does not exist" in json.dumps(r.json())
    missing = client_for("reviewer.water").post("/api/v1/incidents/", {"kind": "cable_fault", "feature": 10**9},
                                                format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert missing.json()["error"]["message"].replace(f"{10**9:,}", "N") == \
        r.json()["error"]["message"].replace(f"{cable.pk:,}", "N")
    assert client_for("reviewer.power").post("/api/v1/incidents/", {"kind": "cable_fault", "feature": cable.pk},
                                             format="json").status_code == 201


def test_incidents_describe_only_what_the_reader_may_see(client_for, power_restricted):
    cable = a_power_cable()
    created = client_for("reviewer.power").post("/api/v1/incidents/",
                                                {"kind": "cable_fault", "feature": cable.pk, "radius_m": 150},
                                                format="json").json()
    assert created["transformer"]["id"] in power_restricted
    assert power_ids_in(created["around"]) & power_restricted
    for reader in ("reviewer.water", "gis.gas"):
        body = client_for(reader).get(f"/api/v1/incidents/{created['id']}/").json()
        assert body["transformer"].get("hidden") and "ext_id" not in body["transformer"]
        assert body["feature"] is None
        assert not power_ids_in(body) & power_restricted
        power_group = next(g for g in body["around"]["agencies"] if g["agency"] == "power")
        assert power_group["assets"] == [] and power_group["hidden_count"] > 0
        web = Client()
        web.force_login(user(reader))
        page = web.get(created["report_url"]).content.decode()
        ext = created["transformer"]["ext_id"]
        assert ext not in page and "دسترسی ندارید" in page
    # a water burst read by the power company: the water trace is counted, not listed
    main = Feature.objects.current().filter(kind="water_main").order_by("id")[40]
    Layer.objects.filter(code__in=["water-mains", "water-nodes"]).update(visibility="agency")
    burst = client_for("reviewer.water").post("/api/v1/incidents/", {"kind": "water_burst", "feature": main.pk},
                                              format="json").json()
    assert burst["isolation"]["close"]
    other = client_for("reviewer.power").get(f"/api/v1/incidents/{burst['id']}/").json()
    assert other["isolation"]["hidden"] and other["isolation"]["close_count"] == len(burst["isolation"]["close"])
    assert "pipe" not in other and "close" not in other["isolation"]


def test_each_agency_is_alerted_with_its_own_assets_only(client_for, power_restricted):
    main = Feature.objects.current().filter(kind="water_main").order_by("id")[40]
    before = OutboxEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    client_for("reviewer.water").post("/api/v1/incidents/", {"kind": "water_burst", "feature": main.pk,
                                                             "radius_m": 100}, format="json")
    alerts = {e.agency_code: e.payload for e in OutboxEvent.objects.filter(event_type="incident.reported")
              .filter(pk__gt=before)}
    assert alerts["water"]["close_valves"]
    for agency, payload in alerts.items():
        owners = set(Feature.objects.filter(pk__in=[a["id"] for a in payload["assets_around"]])
                     .values_list("agency__code", flat=True))
        assert owners <= {agency}
        if agency != "water":
            assert payload["close_valves"] == []
