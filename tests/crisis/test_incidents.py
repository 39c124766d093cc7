"""Incidents: valves to close, who loses supply, the next-larger segment, and every bad case said clearly."""

import os

import pytest
import shapely

from panjereh.citymap.importing import PreparedFeatures
from panjereh.citymap.models import Feature, Layer
from panjereh.citymap.services import publish_version
from panjereh.core.models import OutboxEvent
from panjereh.crisis import tracing
from panjereh.crisis.segments import Network, valve_segments
from panjereh.crisis.services import IncidentError, report_incident

pytestmark = pytest.mark.django_db


def a_main():
    return Feature.objects.current().filter(kind="water_main").order_by("id")[40]


def test_burst_water_main(city, client_for):
    main = a_main()
    r = client_for("reviewer.water").post("/api/v1/incidents/", {"kind": "water_burst", "feature": main.pk},
                                          format="json")
    assert r.status_code == 201, r.json()
    body = r.json()
    iso = body["isolation"]
    assert main.pk in {p["id"] for p in iso["pipes"]}
    assert iso["close"] and iso["parcels_affected"] and body["problems"] == []
    # closing exactly those valves cuts exactly that piece off
    traced = tracing.build_network("water")
    kept = [v for v in traced.network.valves if v[0] in {c["id"] for c in iso["close"]}]
    pieces = valve_segments(Network(links=traced.network.links, valves=kept))
    piece = pieces.link_segment[main.pk]
    assert {link for link, s in pieces.link_segment.items() if s == piece} == {p["id"] for p in iso["pipes"]}
    # a parcel loses supply when its nearest main is cut off
    pipes = {p["id"] for p in iso["pipes"]}
    mains = list(Feature.objects.current().filter(kind="water_main"))
    from panjereh.citymap.models import Parcel

    for parcel in Parcel.objects.filter(pk__in=iso["parcels_affected"][:10]):
        geom = shapely.from_wkb(bytes(parcel.geom.wkb))
        nearest = min(mains, key=lambda f: (geom.distance(shapely.from_wkb(bytes(f.geom.wkb))), f.pk))
        assert nearest.pk in pipes
    # if a valve is stuck, the next-larger segment is bigger
    assert iso["if_stuck"] and all(f["pipes"] > len(pipes) for f in iso["if_stuck"])
    assert all(f["parcels_affected"] >= len(iso["parcels_affected"]) for f in iso["if_stuck"])
    # the agencies concerned are alerted; the report prints with its map
    assert OutboxEvent.objects.filter(event_type="incident.reported", agency_code="water").exists()
    around = {g["agency"] for g in body["around"]["agencies"]}
    assert {"water", "gas", "power"} <= around
    from django.contrib.auth import get_user_model
    from django.test import Client

    web = Client()
    web.force_login(get_user_model().objects.get(username="reviewer.water"))
    page = web.get(body["report_url"])
    assert page.status_code == 200 and "<svg" in page.content.decode() and iso["close"][0]["ext_id"] in \
        page.content.decode()


def test_gas_leak_at_a_point_and_cable_fault(city, client_for):
    from panjereh.citymap import crs as crsmod

    gas = Feature.objects.current().filter(kind="gas_main").order_by("id")[25]
    lon, lat = crsmod.to_crs84(shapely.from_wkb(bytes(gas.geom.wkb)).interpolate(0.5, normalized=True)).coords[0]
    r = client_for("reviewer.gas").post("/api/v1/incidents/", {"kind": "gas_leak", "lon": lon, "lat": lat},
                                        format="json")
    assert r.status_code == 201 and r.json()["pipe"]["id"] == gas.pk
    cable = Feature.objects.current().filter(kind="lv_cable").order_by("id")[10]
    r = client_for("reviewer.power").post("/api/v1/incidents/", {"kind": "cable_fault", "feature": cable.pk},
                                          format="json")
    t = r.json()["transformer"]
    here = shapely.from_wkb(bytes(cable.geom.wkb)).representative_point()
    nearest = min(Feature.objects.current().filter(kind="transformer"),
                  key=lambda f: here.distance(shapely.from_wkb(bytes(f.geom.wkb))))
    assert t["id"] == nearest.pk and t["parcels_affected"]


def test_incident_outside_the_city(english, city):
    with pytest.raises(IncidentError, match="outside the city"):
        report_incident(actor=None, kind="gas_leak", lon=51.4, lat=35.7)


def test_incident_on_a_deleted_asset(english, city, tmp_path):
    old = a_main()
    layer = old.layer
    publish_version(layer=layer, prepared=PreparedFeatures(wkb=[bytes(old.geom.wkb)], rows=[{
        "ext_id": "NEW", "kind": "water_main", "status": "active", "material": "", "pressure_class": "",
        "diameter_mm": None, "depth_m": None, "voltage_kv": None, "install_year": None, "capacity_kva": None,
        "load_kva": None, "attrs": {}}]))
    with pytest.raises(IncidentError, match="not on the current map"):
        report_incident(actor=None, kind="water_burst", feature_id=old.pk)


def test_network_without_valves_says_so(city):
    nodes = Layer.objects.get(code="gas-nodes")
    regulators = list(Feature.objects.filter(version=nodes.current_version, kind="gas_regulator"))
    publish_version(layer=nodes, prepared=PreparedFeatures(wkb=[bytes(f.geom.wkb) for f in regulators], rows=[{
        "ext_id": f.ext_id, "kind": "gas_regulator", "status": "active", "material": "", "pressure_class": "",
        "diameter_mm": None, "depth_m": None, "voltage_kv": None, "install_year": None, "capacity_kva": None,
        "load_kva": None, "attrs": {}} for f in regulators]))
    gas = Feature.objects.current().filter(kind="gas_main").first()
    incident = report_incident(actor=None, kind="gas_leak", feature_id=gas.pk)
    assert incident.response["isolation"] is None
    assert [p["code"] for p in incident.response["problems"]] == ["no_valves"]


def test_disconnected_piece_says_so(city):
    planted = next(v for v in city.manifest["faults"]["clearance_violations"] if v["rule"] == "water-sewer")
    ext = next(a["ext_id"] for a in planted["assets"] if a["ext_id"].startswith("WM-"))
    main = Feature.objects.current().get(ext_id=ext)
    incident = report_incident(actor=None, kind="water_burst", feature_id=main.pk)
    assert "disconnected" in [p["code"] for p in incident.response["problems"]]


def test_only_staff_record_incidents(city, client_for):
    assert client_for("operator1").post("/api/v1/incidents/", {"kind": "collapse", "lon": 48.67, "lat": 31.32},
                                        format="json").status_code == 403
    assert client_for().post("/api/v1/incidents/", {"kind": "collapse"}, format="json").status_code == 401
    r = client_for("coordinator").post("/api/v1/incidents/", {"kind": "collapse"}, format="json")
    assert r.status_code == 400 and "location" in r.json()["error"]["details"]


@pytest.mark.parametrize("name", ["Net3", "ky10"])
@pytest.mark.parametrize("placement,count", [("strategic", 2), ("random", 40)])
def test_segments_match_wntr(city, name, placement, count):
    import wntr

    from panjereh.crisis.epanet import import_epanet

    path = os.path.join(os.path.dirname(wntr.__file__), "library", "networks", f"{name}.inp")
    wn = wntr.network.WaterNetworkModel(path)
    valve_layer = wntr.network.generate_valve_layer(wn, placement, count, seed=1405)
    prefix = name.lower()
    import_epanet(path, prefix=prefix, scale=0.3 if name == "Net3" else 0.01, valve_layer=valve_layer)
    traced = tracing.build_network("water", layers=[f"{prefix}-pipes", f"{prefix}-valves"])
    node_seg, link_seg, _ = wntr.metrics.valve_segments(wn.to_graph(), valve_layer)
    ext = {int(f): e for f, e in zip(traced.pipes.ids, traced.pipes.ext_ids)}

    def partition(node_map, link_map):
        groups = {}
        for n, s in node_map.items():
            groups.setdefault(s, set()).add(("N", str(n)))
        for link, s in link_map.items():
            groups.setdefault(s, set()).add(("L", str(link)))
        return {frozenset(g) for g in groups.values()}

    nodes = {n.split(":", 1)[1]: s for n, s in traced.segments.node_segment.items()}  # "<network>:<node>"
    ours = partition(nodes, {ext[k]: s for k, s in traced.segments.link_segment.items()})
    theirs = partition(dict(node_seg), dict(link_seg))
    assert ours == theirs
    assert len(theirs) > 1
