"""Issue 31: the architect's DXF checked against the parcel's zoning through the API, before a file is opened.

The parcel's zone (a public zoning layer, as B-READY 4 publishes it) allows 5 floors, 180% density and 60%
occupancy. A compliant house passes every rule; one drawing per violated rule is caught with the right value;
exactly at each limit passes; a drawing that breaks the convention or is hostile gets the Persian list of what is
wrong (never a 500); the same drawing is the same check, a changed one a new check."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from panjereh.citymap.models import Parcel
from panjereh.plancheck.models import PlanCheck
from tests.indicators.test_practices import _public_layer
from panjereh.citymap.crs import STORAGE_SRID
from tests.plancheck.drawings import dxf, from_north, ifc

pytestmark = pytest.mark.django_db


@pytest.fixture
def lot(city):
    """A rectangular residential parcel in a zone of 5 floors, 180% density, 60% occupancy: (parcel, (w, d))."""
    for parcel in Parcel.objects.filter(land_use="residential").order_by("id")[:200]:
        minx, miny, maxx, maxy = parcel.geom.extent
        w, d = maxx - minx, maxy - miny
        if abs(w * d - parcel.area_m2) < 0.5 and d > 10:
            _public_layer("zoning-test-plan", "طرح تفصیلی", [(parcel.geom.buffer(30), {
                "zone": "R140", "land_use": "مسکونی", "max_floors": 5, "density": 180, "occupancy": 60})])
            return parcel, (w, d)
    raise AssertionError("no rectangular parcel")


def check(client_for, parcel, data, **fields):
    upload = SimpleUploadedFile("plans.dxf", data, content_type="application/octet-stream")
    return client_for("operator1").post(f"/api/v1/parcels/{parcel.pk}/plan-check/", {"file": upload, **fields},
                                        format="multipart")


def statuses(response) -> dict:
    return {f["rule"]: f["status"] for f in response.json()["findings"]}


def finding(response, rule) -> dict:
    return next(f for f in response.json()["findings"] if f["rule"] == rule)


def house(lot_wd, *, floors=3, depth_share=0.55, width_share=1.0, roof=True, parking=2, units=2, **kw):
    w, d = lot_wd
    outline = from_north(lot_wd, d * depth_share, width_share)
    return dxf(lot=lot_wd, storeys=[outline] * floors, roof=floors * 3.2 + 1.0 if roof else None,
               parking=parking, units=units, **kw)


def test_a_compliant_house_passes_every_rule_and_gets_a_check_number(client_for, lot):
    parcel, wd = lot
    drawing = house(wd)
    r = check(client_for, parcel, drawing, units=2)
    assert r.status_code == 201, r.json()
    body = r.json()
    assert body["passed"] and set(statuses(r).values()) == {"pass"}, statuses(r)
    assert body["measured"]["limits"] == {"source": "zoning", "zone": "R140", "setback_m": 0.0}
    assert body["measured"]["placed_by"] == "shape" and body["measured"]["site_fit_m"] < 0.01
    assert body["measured"]["floors"] == 3 and body["measured"]["occupancy_percent"] == 55.0
    assert [f["number"] for f in body["findings"]] == list(range(1, 12))
    assert all(f["article"] and f["name"] for f in body["findings"])  # every rule named in Persian, with its article
    assert "طبقات" in finding(r, "floors")["name"]
    # the same drawing again is the same check; a changed drawing is a new one
    again = check(client_for, parcel, drawing, units=2)
    assert again.status_code == 200 and again.json()["number"] == body["number"]
    changed = check(client_for, parcel, house(wd, floors=2), units=2)
    assert changed.status_code == 201 and changed.json()["number"] != body["number"]
    cited = client_for("reviewer.municipality").get(f"/api/v1/plan-checks/{body['number']}/")
    assert cited.status_code == 200 and cited.json()["sha256"] == body["sha256"]


@pytest.mark.parametrize("case, rule, found, allowed", [
    ("eight_floors", "floors", 8, 5),
    ("occupancy_70", "occupancy", 70.0, 60.0),
    ("density_over", "density", 200.0, 180.0),
    ("beyond_60", "depth", None, None),
    ("parking_short", "parking", 2, 4),
    ("commercial", "land_use", "commercial", "residential"),
    ("site_mismatch", "site", None, None),
])
def test_each_violation_is_caught_with_its_value(client_for, lot, case, rule, found, allowed):
    parcel, (w, d) = lot
    fields = {"units": 2}
    with override_settings(PANJEREH_PLANCHECK_RULES={"depth_share": 0.8} if case == "occupancy_70" else {}):
        if case == "eight_floors":
            data = house((w, d), floors=8, depth_share=0.2)
        elif case == "occupancy_70":
            data = house((w, d), floors=1, depth_share=0.7)
        elif case == "density_over":
            data = house((w, d), floors=4, depth_share=0.5)
        elif case == "beyond_60":
            data = dxf(lot=(w, d), storeys=[from_north((w, d), 0.6 * d + 3, 0.5)] * 2, roof=7.4, parking=2, units=2)
        elif case == "parking_short":
            data, fields = house((w, d), units=4), {"units": 4}
        elif case == "commercial":
            data, fields = house((w, d), parking=30), {"units": 2, "land_use": "commercial"}
        else:
            data = dxf(lot=(w * 1.3, d), storeys=[from_north((w * 1.3, d), d * 0.5, 0.7)] * 2, roof=7.4,
                       parking=2, units=2)
        r = check(client_for, parcel, data, **fields)
    assert r.status_code == 201, r.json()
    assert statuses(r)[rule] == "fail" and not r.json()["passed"], statuses(r)
    if found is not None:
        assert (finding(r, rule)["found"], finding(r, rule)["allowed"]) == (found, allowed)
    if case == "beyond_60":
        f = finding(r, "depth")
        assert f["found"] == pytest.approx(0.6 * d + 3, abs=0.01) and f["allowed"] == pytest.approx(0.6 * d + 2, abs=0.01)
    if case == "site_mismatch":
        assert finding(r, "site")["found"] == pytest.approx(w * 1.3 * d, abs=0.1)


def test_exactly_at_every_limit_passes(client_for, lot):
    """60% occupancy, 180% density (3 floors), the building reaching exactly 60% of the depth + 2 m, 5 floors'
    height: each passes (the limit is allowed, not forbidden)."""
    parcel, (w, d) = lot
    reach = 0.6 * d + 2
    share = 0.6 * d / reach  # narrower than the lot, so the footprint is exactly 60% of it
    storeys = [from_north((w, d), reach, share)] * 3
    r = check(client_for, parcel, dxf(lot=(w, d), storeys=storeys, roof=5 * 3.5 + 1.5, parking=2, units=2), units=2)
    assert r.status_code == 201 and r.json()["passed"], statuses(r)
    m = r.json()["measured"]
    assert m["occupancy_percent"] == 60.0 and m["density_percent"] == 180.0 and m["height_m"] == 19.0


def test_a_drawing_that_breaks_the_convention_gets_the_list_of_what_is_missing(client_for, lot):
    parcel, wd = lot
    before = PlanCheck.objects.count()
    r = check(client_for, parcel, dxf(lot=wd, storeys=[], site=False))
    assert r.status_code == 400
    problems = r.json()["error"]["details"]["file"]
    assert len(problems) == 2 and "A-SITE" in problems[0] and "A-FLOOR-00" in problems[1]  # both, in Persian
    assert "مرز" in problems[0] or "زمین" in problems[0]
    no_units = check(client_for, parcel, house(wd, insunits=0))
    assert no_units.status_code == 400 and "INSUNITS" in no_units.json()["error"]["message"]
    # no roof: the height cannot be told, said so (not a pass)
    r = check(client_for, parcel, house(wd, roof=False), units=2)
    assert statuses(r)["height"] == "unknown" and not r.json()["passed"]
    assert PlanCheck.objects.count() == before + 1


@pytest.mark.parametrize("hostile", ["garbage", "binary", "empty_ifc", "zip", "bowtie", "far_away", "huge"])
def test_hostile_or_unsupported_files_are_refused_clearly(client_for, lot, hostile, settings):
    parcel, (w, d) = lot
    settings.PANJEREH_UPLOAD_MAX_BYTES = 2 * 1024 * 1024
    data = {
        "garbage": b"\x00\x01not a drawing at all" * 100,
        "binary": b"AutoCAD Binary DXF\r\n\x1a\x00" + b"\x00" * 200,
        "empty_ifc": b"ISO-10303-21;\nHEADER;\nENDSEC;\nDATA;\nENDSEC;\nEND-ISO-10303-21;\n",
        "zip": b"PK\x03\x04" + b"\x00" * 100,
        "bowtie": dxf(lot=(w, d), storeys=[[(0, d), (w, d - 10), (w, d), (0, d - 10)]]),
        "far_away": dxf(lot=(w, d), storeys=[(0, 0, 1e12, 1e12)], insunits=6),
        "huge": b"  0\nSECTION\n" + b"999\n" + b"x" * (3 * 1024 * 1024),
    }[hostile]
    r = check(client_for, parcel, data)
    assert r.status_code == 400, (hostile, r.status_code)
    message = r.json()["error"]["message"]
    assert message and any("\u0600" <= c <= "\u06ff" for c in message), message  # a sentence in Persian
    assert not PlanCheck.objects.exists()


def test_only_staff_who_see_the_parcel_check_plans(client_for, lot):
    parcel, wd = lot
    anonymous = client_for().post(f"/api/v1/parcels/{parcel.pk}/plan-check/",
                                  {"file": SimpleUploadedFile("p.dxf", house(wd))}, format="multipart")
    assert anonymous.status_code in (401, 403)
    assert check(client_for, parcel, house(wd)).status_code == 201
    assert client_for("operator1").post("/api/v1/parcels/999999999/plan-check/",
                                        {"file": SimpleUploadedFile("p.dxf", house(wd))},
                                        format="multipart").status_code == 404
    assert client_for().get("/api/v1/plan-checks/PC-NOTHING1/").status_code in (401, 403)


# IFC: the same rules read from a building model (IFC4 and IFC2X3), georeferenced or not


def _ifc_house(lot_wd, floors=3, **kw):
    w, d = lot_wd
    return ifc(lot=lot_wd, storeys=[from_north(lot_wd, d * 0.55)] * floors, parking=2, units=2, **kw)


def test_an_ifc4_model_on_its_parcel_passes_and_its_violations_are_caught(client_for, lot):
    parcel, wd = lot
    minx, miny, *_ = parcel.geom.extent
    placed = _ifc_house(wd, georeference=(STORAGE_SRID, minx, miny))
    r = check(client_for, parcel, placed, units=2)
    assert r.status_code == 201, r.json()
    assert r.json()["format"] == "ifc" and r.json()["passed"], (statuses(r), r.json()["measured"])
    assert r.json()["measured"]["site_offset_m"] < 0.01 and r.json()["measured"]["height_m"] == 6.7
    assert r.json()["measured"]["placed_by"] == "georeference"
    # the same model placed 120 m away from the parcel: the placement fails (the lot's area is right), the street
    # line cannot be read there, the rest stands
    away = check(client_for, parcel, _ifc_house(wd, georeference=(STORAGE_SRID, minx + 120, miny)), units=2)
    assert statuses(away)["placement"] == "fail" and statuses(away)["site"] == "pass"
    assert statuses(away)["street"] == "unknown" and statuses(away)["floors"] == "pass"
    assert away.json()["measured"]["site_offset_m"] == pytest.approx(120, abs=0.01)
    eight = check(client_for, parcel, _ifc_house(wd, floors=8), units=2)
    assert (finding(eight, "floors")["found"], finding(eight, "floors")["allowed"]) == (8, 5)
    shop = check(client_for, parcel, _ifc_house(wd, use="Commercial"), units=2)
    assert statuses(shop)["land_use"] == "fail" and finding(shop, "land_use")["found"] == "commercial"


def test_an_ifc2x3_model_in_millimetres_with_a_basement(client_for, lot):
    parcel, wd = lot
    r = check(client_for, parcel, _ifc_house(wd, floors=2, schema="IFC2X3", millimetres=True, basement=True),
              units=2)
    assert r.status_code == 201, r.json()
    m = r.json()["measured"]
    assert m["floors"] == 2 and m["basements"] == 1 and m["occupancy_percent"] == 55.0  # metres, whatever the unit
    assert r.json()["passed"], statuses(r)
    no_site = check(client_for, parcel, ifc(lot=wd, storeys=[from_north(wd, 10)], site=False))
    assert no_site.status_code == 400 and "IfcSite" in no_site.json()["error"]["message"]


def test_a_large_dxf_is_streamed_with_the_same_findings(client_for, lot, monkeypatch):
    """Past STREAM_BYTES the model space is streamed (iterdxf) and the units read from the header's text: the
    same measures and refusals as the recovering reader; what the stream cannot follow goes to that reader."""
    from panjereh.plancheck import dxf_reader

    parcel, wd = lot
    whole = check(client_for, parcel, house(wd, floors=4), units=2).json()
    monkeypatch.setattr(dxf_reader, "STREAM_BYTES", 0)
    streamed_calls = []
    real = dxf_reader._streamed
    monkeypatch.setattr(dxf_reader, "_streamed", lambda path, head, tell: streamed_calls.append(1) or real(path, head, tell))
    streamed = check(client_for, parcel, house(wd, floors=4, parking=3), units=2).json()
    assert streamed_calls and streamed["measured"]["floors"] == whole["measured"]["floors"] == 4
    assert streamed["measured"]["density_percent"] == whole["measured"]["density_percent"]
    no_units = check(client_for, parcel, house(wd, insunits=0, floors=3))
    assert no_units.status_code == 400 and "INSUNITS" in no_units.json()["error"]["message"]
    broken = check(client_for, parcel, dxf(lot=wd, storeys=[[(0, 20), (wd[0], 10), (wd[0], 20), (0, 10)]]))
    assert broken.status_code == 400 and "A-FLOOR" in broken.json()["error"]["message"]
