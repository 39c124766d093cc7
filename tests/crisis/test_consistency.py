"""Consistency checks find every planted fault of the demo city, and nothing on a clean city."""

import pytest

from panjereh.citymap.importing import PreparedFeatures
from panjereh.citymap.models import Feature, Layer
from panjereh.citymap.services import publish_version
from panjereh.crisis.services import run_consistency
from panjereh.democity.build import build_demo_city

pytestmark = pytest.mark.django_db


def pairs(run):
    return {frozenset(x["ext_id"] for x in f.features) for f in run.findings.filter(check_name="clearance")}


def test_every_planted_fault_is_found_and_nothing_else(city):
    run = run_consistency()
    faults = city.manifest["faults"]
    shift = run.findings.get(check_name="offset")
    assert shift.layer_code == "telecom-ducts" and shift.agency.code == "telecom"
    assert abs(shift.data["dx_m"] - faults["shifted_layer"]["dx_m"]) < 0.5
    assert abs(shift.data["dy_m"] - faults["shifted_layer"]["dy_m"]) < 0.5
    expected = {frozenset(a["ext_id"] for a in v["assets"]) for v in faults["clearance_violations"]}
    assert pairs(run) == expected
    for finding in run.findings.filter(check_name="clearance"):
        assert finding.data["distance_m"] < finding.data["minimum_m"] and finding.other_agency is not None
    overloaded = run.findings.get(check_name="overloaded")
    assert overloaded.features[0]["ext_id"] == faults["overloaded_transformer"]["ext_id"]
    assert run.findings.count() == 1 + len(expected) + 1, list(run.findings.values_list("check_name", "message_en"))


def test_clean_city_has_no_findings(city):
    build_demo_city(parcels=600, seed=3, replace=True, faults=False)
    run = run_consistency()
    assert list(run.findings.values_list("check_name", "message_en")) == []


def _add_layer(code, agency, features, gtype="LineString", kinds=("water_main",)):
    layer = Layer.objects.create(code=code, name_fa=code, name_en=code, agency_id=agency, kind="network",
                                 geometry_type=gtype, allowed_kinds=list(kinds))
    rows = [{"ext_id": ext, "kind": kind, "status": "active", "material": "", "pressure_class": "", "diameter_mm": None,
             "depth_m": 1.0, "voltage_kv": None, "install_year": None, "capacity_kva": None, "load_kva": None,
             "attrs": {}} for ext, kind, _ in features]
    publish_version(layer=layer, prepared=PreparedFeatures(geoms=[g for *_, g in features],
                                                           rows=rows))
    return layer


def test_duplicates_positions_and_wrong_crs(city):
    import shapely.affinity

    from panjereh.citymap.models import Parcel

    water = Feature.objects.current().filter(kind="water_main").first()
    line = shapely.from_wkb(bytes(water.geom.wkb))
    inside = shapely.from_wkb(bytes(Parcel.objects.first().geom.wkb)).centroid
    _add_layer("legacy-water", water.agency_id, [
        ("DUP-1", "water_main", line), ("DUP-2", "water_main", shapely.affinity.translate(line, 0.02, 0)),
        ("UNDER", "water_main", shapely.LineString([inside.coords[0], (inside.x + 1, inside.y)]))])
    # legacy layers that never went through the importer's checks
    _add_layer("degrees-layer", water.agency_id,
               [("DEG", "water_main", shapely.LineString([(48.67, 31.32), (48.671, 31.32)]))])
    _add_layer("zone38-layer", water.agency_id,
               [("Z38", "water_main", shapely.LineString([(848000, 3475000), (848100, 3475000)]))])
    run = run_consistency()
    checks = {}
    for f in run.findings.all():
        checks.setdefault(f.check_name, []).append(f)
    dup = [f for f in checks["duplicate"] if {x["ext_id"] for x in f.features} == {"DUP-1", "DUP-2"}]
    assert len(dup) == 1
    assert any(f.features[0]["ext_id"] == "UNDER" for f in checks["under_parcel"])
    crs = {f.layer_code: f.message_en for f in checks["wrong_crs"]}
    assert "degrees stored as metres" in crs["degrees-layer"]
    assert "UTM zone 38" in crs["zone38-layer"]
    assert any(f.features[0]["ext_id"] == "DEG" for f in checks["off_street"])


def test_parallel_pipes_and_boundaries_far_away_are_not_faults(city):
    """Issue 15 item 9: two pipes between the same two junctions (a model's parallel links, or two pipes of
    different diameters) are not "the same main drawn twice"; a county boundary far outside the city is not
    "another CRS"; the same asset drawn twice still is a duplicate."""
    import shapely
    import shapely.affinity

    water = Feature.objects.current().filter(kind="water_main").first()
    line = shapely.from_wkb(bytes(water.geom.wkb))
    layer = Layer.objects.create(code="parallel-water", name_fa="p", name_en="p", agency_id=water.agency_id,
                                 kind="network", geometry_type="LineString", allowed_kinds=["water_main"])
    row = {"kind": "water_main", "status": "active", "material": "", "pressure_class": "", "depth_m": 1.0,
           "voltage_kv": None, "install_year": None, "capacity_kva": None, "load_kva": None}
    rows = [{**row, "ext_id": "P-1", "diameter_mm": 300.0, "attrs": {"start_node": "J1", "end_node": "J2"}},
            {**row, "ext_id": "P-2", "diameter_mm": 300.0, "attrs": {"start_node": "J1", "end_node": "J2"}},
            {**row, "ext_id": "Q-1", "diameter_mm": 150.0, "attrs": {}},
            {**row, "ext_id": "Q-2", "diameter_mm": 200.0, "attrs": {}},
            {**row, "ext_id": "R-1", "diameter_mm": 100.0, "attrs": {}},
            {**row, "ext_id": "R-1", "diameter_mm": 100.0, "attrs": {}}]
    offset = shapely.affinity.translate
    geoms = [line, line, offset(line, 40, 0), offset(line, 40, 0), offset(line, 80, 0), offset(line, 80, 0.02)]
    publish_version(layer=layer, prepared=PreparedFeatures(geoms=geoms, rows=rows))
    county = Layer.objects.create(code="county-boundary", name_fa="شهرستان", name_en="county",
                                  agency_id=water.agency_id, kind="generic", geometry_type="Polygon")
    far = shapely.box(600000, 3300000, 700000, 3400000)  # a county polygon, 100 km across
    publish_version(layer=county, prepared=PreparedFeatures(geoms=[far], rows=[
        {**row, "kind": "", "ext_id": "C-1", "diameter_mm": None, "depth_m": None, "attrs": {"name": "شادگان"}}]))
    run = run_consistency()
    duplicates = [{x["ext_id"] for x in f.features} for f in run.findings.filter(check_name="duplicate")]
    assert {"R-1"} in duplicates  # the same asset twice
    assert not any(d & {"P-1", "P-2", "Q-1", "Q-2"} for d in duplicates)
    assert not run.findings.filter(check_name="wrong_crs", layer_code="county-boundary").exists()


def test_the_clearance_bound_never_misses_a_run():
    """The clearance check measures exactly only the pairs whose cheap bound (segments' boxes clipped to the
    other's widened box) reaches a run: the bound must never be under the true length within the buffer."""
    import numpy as np
    import shapely

    from panjereh.crisis.consistency import _length_within_boxes

    rng = np.random.default_rng(16)
    lines = shapely.linestrings(rng.uniform(0, 100, (500, 4, 2)))
    others = shapely.linestrings(rng.uniform(0, 100, (500, 3, 2)))
    parts = shapely.multilinestrings([[a, b] for a, b in zip(lines[:50], others[:50])])
    firsts = np.concatenate([lines, parts, [shapely.Point(1, 1)]])
    seconds = np.concatenate([others, others[50:100], [others[0]]])
    margin = rng.uniform(0.5, 3.0, len(firsts))
    bound = _length_within_boxes(firsts, shapely.bounds(seconds), margin)
    exact = shapely.length(shapely.intersection(firsts, shapely.buffer(seconds, margin)))
    assert (bound + 1e-9 >= exact).all()
    assert bound[-1] == 0  # a point has no length
    assert (bound < shapely.length(firsts) * 0.9).any()  # and it does prune: not simply the whole length
