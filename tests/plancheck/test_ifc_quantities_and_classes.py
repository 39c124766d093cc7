"""Issue 31, item 4: a building model's floor areas from its base quantities (the storey's GrossFloorArea, else its
slabs' GrossArea) and its use from its classification reference, in IFC4 and IFC2X3.

Before: the areas were always the slabs' geometry and the use only Pset_BuildingCommon.OccupancyType."""

import pytest
from django.test import override_settings

from tests.plancheck.drawings import from_north, ifc
from tests.plancheck.test_plan_check import check, finding, lot, statuses  # noqa: F401 — `lot` is a fixture

pytestmark = pytest.mark.django_db


def _model(wd, parking=2, **kw):
    w, d = wd
    return ifc(lot=wd, storeys=[from_north(wd, d * 0.55)] * 3, parking=parking, units=2, **kw)


@pytest.mark.parametrize("schema", ["IFC4", "IFC2X3"])
def test_the_floor_areas_are_the_models_base_quantities_when_every_floor_states_one(client_for, lot, schema):
    parcel, (w, d) = lot
    slab = w * d * 0.55
    # the geometry gives 3 × 55% = 165%; the storeys state 70% each (balconies and stair cores the slabs leave
    # out): 210%, over the zone's 180%
    stated = [w * d * 0.70] * 3
    r = check(client_for, parcel, _model((w, d), schema=schema, storey_areas=stated), units=2)
    assert r.status_code == 201, r.json()
    m = r.json()["measured"]
    assert m["areas_from"] == "quantities" and m["density_percent"] == 210.0
    assert m["floor_area_geometry_m2"] == pytest.approx(3 * slab, abs=0.05)
    assert statuses(r)["density"] == "fail" and "کمیت" in finding(r, "density")["note"]
    # the slabs' GrossArea when the storeys state nothing
    slabs = check(client_for, parcel, _model((w, d), schema=schema, slab_areas=[w * d * 0.5] * 3), units=2)
    assert slabs.json()["measured"]["areas_from"] == "quantities"
    assert slabs.json()["measured"]["density_percent"] == 150.0
    # one floor without its quantity: the geometry for all (a half-stated building is not summed)
    partial = check(client_for, parcel, _model((w, d), schema=schema, storey_areas=None,
                                               slab_areas=[w * d * 0.5, w * d * 0.5]), units=2)
    assert partial.status_code == 201, partial.json()
    assert partial.json()["measured"]["areas_from"] == "geometry"
    assert partial.json()["measured"]["density_percent"] == 165.0


def test_the_use_comes_from_the_buildings_classification(client_for, lot):
    parcel, wd = lot
    # the city's own land-use codes as a classification: commercial on a residential zone fails
    shop = check(client_for, parcel, _model(wd, use=None, classification=("Panjereh", "commercial")), units=2)
    assert statuses(shop)["land_use"] == "fail" and finding(shop, "land_use")["found"] == "commercial"
    # the city's own code for housing: passes, though the property set says commercial
    house = check(client_for, parcel, _model(wd, use="Commercial", classification=("Panjereh", "residential")),
                  units=2)
    assert statuses(house)["land_use"] == "pass"  # the classification before the property set
    # a system the city's table does not know: the property set is read
    unknown = check(client_for, parcel, _model(wd, use="Commercial", classification=("OmniClass", "11-12 00 00")),
                    units=2)
    assert finding(unknown, "land_use")["found"] == "commercial"
    # … until the city adds it to its table
    with override_settings(PANJEREH_PLANCHECK_USE_CLASSES={"OmniClass": {"11-12": "residential"}}):
        known = check(client_for, parcel, _model(wd, use="Commercial", classification=("OmniClass", "11-12 00 00"),
                                                 parking=3), units=2)
    assert statuses(known)["land_use"] == "pass"
