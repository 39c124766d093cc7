"""Issue 31, items 2 and 3: the drawing laid on the parcel on the map — by its coordinates when it is drawn on the
city's survey, by its lot's shape when it is drawn on its own sheet — and the building's setback from the street
line read from the streets on the map (the planned width where the detailed plan widens the street).

Before: the drawing was placed by its lot's area only, a DXF in the city's coordinates was not placed by position,
a lot of the right area and the wrong shape passed, and the street line was not measured at all."""

import pytest
from django.contrib.gis.geos import GEOSGeometry

from panjereh.citymap import public_layers
from tests.indicators.test_practices import _public_layer
from tests.plancheck.drawings import dxf
from tests.plancheck.test_plan_check import check, finding, lot, statuses  # noqa: F401 — `lot` is a fixture

pytestmark = pytest.mark.django_db


def _inset(wd, metres):
    """A footprint: the lot shrunk by ``metres`` on every side."""
    w, d = wd
    return (metres, metres, w - metres, d - metres)


def test_a_drawing_in_the_citys_coordinates_is_placed_where_it_is_drawn(client_for, lot):
    parcel, (w, d) = lot
    minx, miny, *_ = parcel.geom.extent

    def on_survey(dx):
        def extra(msp, mm):  # the lot where the survey has it, and a storey, in metres of the city's CRS
            x0, y0 = minx + dx, miny
            msp.add_lwpolyline([(x0, y0), (x0 + w, y0), (x0 + w, y0 + d), (x0, y0 + d)], close=True,
                               dxfattribs={"layer": "A-SITE"})
            msp.add_lwpolyline([(x0 + 1, y0 + d - 12), (x0 + w - 1, y0 + d - 12), (x0 + w - 1, y0 + d),
                                (x0 + 1, y0 + d)], close=True, dxfattribs={"layer": "A-FLOOR-00"})
        return dxf(lot=(w, d), site=False, insunits=6, extra=extra, parking=2, units=2)

    here = check(client_for, parcel, on_survey(0.0), units=2)
    assert here.status_code == 201, here.json()
    m = here.json()["measured"]
    assert m["placed_by"] == "position" and m["site_fit_m"] < 0.01 and statuses(here)["placement"] == "pass"
    # drawn 10 m to the east of the parcel: not moved onto it — the placement fails with the distance
    east = check(client_for, parcel, on_survey(10.0), units=2)
    assert east.json()["measured"]["placed_by"] == "position"
    assert statuses(east)["placement"] == "fail" and finding(east, "placement")["found"] == pytest.approx(10, abs=0.01)
    assert statuses(east)["site"] == "pass"  # its area is the parcel's: only where it lies is wrong


def test_a_drawing_on_its_own_sheet_is_laid_on_the_parcel_by_its_lots_shape(client_for, lot):
    parcel, (w, d) = lot
    # the sheet turned a quarter round (the lot's depth along x): laid back on the parcel, turned 90°
    turned = dxf(lot=(d, w), storeys=[(0.0, 0.0, 0.55 * d, w)] * 3, parking=2, units=2)
    r = check(client_for, parcel, turned, units=2)
    assert r.status_code == 201, r.json()
    m = r.json()["measured"]
    assert m["placed_by"] == "shape" and abs(m["rotation_deg"]) == 90 and m["site_fit_m"] < 0.01
    assert statuses(r)["placement"] == "pass" and m["occupancy_percent"] == 55.0
    assert "۹۰" in finding(r, "placement")["note"]  # the turn, told in Persian digits
    # an L-shaped lot of the parcel's very area: its area passes, its shape does not lie on the parcel
    ell = [(0, 0), (w, 0), (w, d - 4), (w - 5, d - 4), (w - 5, d), (0, d)]
    extra_area = 5 * 4
    scale = ((w * d) / (w * d - extra_area)) ** 0.5
    ell = [(x * scale, y * scale) for x, y in ell]

    def l_lot(msp, mm):
        msp.add_lwpolyline([(x * mm, y * mm) for x, y in ell], close=True, dxfattribs={"layer": "A-SITE"})

    shaped = check(client_for, parcel, dxf(lot=(w, d), site=False, storeys=[(1, 1, w / 2, d / 2)], extra=l_lot),
                   units=2)
    assert shaped.status_code == 201, shaped.json()
    assert statuses(shaped)["site"] == "pass" and statuses(shaped)["placement"] == "fail"
    assert finding(shaped, "placement")["found"] > 1.5


def _streets_of(parcel):
    return public_layers.streets_beside(parcel)


def test_the_setback_from_the_street_line_is_measured_from_the_streets_on_the_map(client_for, lot):
    parcel, wd = lot
    assert _streets_of(parcel), "the demo parcel has a street beside it"
    # the zone asks 3 m behind the street line
    # (named to sort before the fixture's zoning layer: the first public zoning layer holding the parcel is read)
    _public_layer("zoning-a-street", "طرح تفصیلی", [(parcel.geom.buffer(30), {
        "zone": "R140S", "land_use": "مسکونی", "max_floors": 5, "density": 180, "occupancy": 60, "setback_m": 3})])
    back3 = check(client_for, parcel, dxf(lot=wd, storeys=[_inset(wd, 3.0)], parking=2, units=2), units=2)
    assert back3.status_code == 201, back3.json()
    assert statuses(back3)["street"] == "pass"  # exactly at the limit passes
    assert (finding(back3, "street")["found"], finding(back3, "street")["allowed"]) == (3.0, 3.0)
    back2 = check(client_for, parcel, dxf(lot=wd, storeys=[_inset(wd, 2.0)], parking=2, units=2), units=2)
    assert statuses(back2)["street"] == "fail" and finding(back2, "street")["found"] == 2.0
    assert finding(back2, "street")["note"]  # the street's name, from the map


def test_a_planned_widening_moves_the_street_line_and_the_land_given_up_is_measured(client_for, lot):
    parcel, wd = lot
    street = min(_streets_of(parcel), key=lambda s: s["geom"].distance(parcel.geom))
    # the detailed plan widens the nearest street by 2 m on each side
    _public_layer("streets-test-widening", "معابر طرح تفصیلی", [(GEOSGeometry(street["geom"].wkt, srid=parcel.geom.srid), {
        "name": "widened", "name_fa": "خیابان تعریض", "width_m": street["width_m"],
        "planned_width_m": street["width_m"] + 4})], geometry_type="LineString")
    r = check(client_for, parcel, dxf(lot=wd, storeys=[_inset(wd, 3.0)], parking=2, units=2), units=2)
    assert r.status_code == 201, r.json()
    # 3 m behind today's edge is 1 m behind the planned one; the zone asks nothing more: passes
    assert finding(r, "street")["found"] == 1.0 and statuses(r)["street"] == "pass"
    assert "تعریض" in finding(r, "street")["note"]
    frontage = parcel.geom.intersection(street["geom"].buffer(street["width_m"] / 2 + 2.01)).area
    assert r.json()["measured"]["given_up_m2"] == pytest.approx(frontage, rel=0.02) and frontage > 10
    # a building up to the lot's edge stands in the widened street
    full = check(client_for, parcel, dxf(lot=wd, storeys=[_inset(wd, 0.0)], parking=2, units=2), units=2)
    assert statuses(full)["street"] == "fail" and finding(full, "street")["found"] == -2.0


def test_without_a_street_on_the_map_the_setback_cannot_be_told(client_for, lot):
    from panjereh.citymap.models import Layer

    parcel, wd = lot
    Layer.objects.filter(code__startswith="streets").update(visibility="staff")  # the streets not published
    r = check(client_for, parcel, dxf(lot=wd, storeys=[_inset(wd, 3.0)], parking=2, units=2), units=2)
    assert statuses(r)["street"] == "unknown" and finding(r, "street")["found"] is None
