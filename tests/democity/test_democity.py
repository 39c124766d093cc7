"""The demo city: deterministic, Ahvaz-shaped, networks laid by the rules, faults as the manifest says."""

import hashlib
import io

import pytest
import shapely
from django.core.management import CommandError, call_command

from panjereh.citymap import crs as crsmod
from panjereh.citymap.models import Feature, Parcel
from panjereh.core.identifiers import validate_postal_code
from panjereh.democity.build import DemoCityExists, build_demo_city
from panjereh.democity.layout import OFFSETS, make_grid

pytestmark = pytest.mark.django_db


def fingerprint():
    h = hashlib.sha256()
    for p in Parcel.objects.order_by("registry_district", "plate_main", "plate_sub"):
        h.update(f"{p.plate} {p.land_use} {p.max_floors} {p.regional_value} {p.geom.wkt}".encode())
    for f in Feature.objects.current().order_by("layer__code", "ext_id"):
        h.update(f"{f.ext_id} {f.kind} {f.depth_m} {f.load_kva} {f.geom.wkt}".encode())
    return h.hexdigest()


def test_same_seed_same_city(city):
    first = fingerprint()
    build_demo_city(parcels=city.parcels, seed=city.manifest["seed"], replace=True)
    assert fingerprint() == first
    build_demo_city(parcels=city.parcels, seed=city.manifest["seed"] + 1, replace=True)
    assert fingerprint() != first


def test_refuses_to_overwrite_without_replace(city, monkeypatch):
    monkeypatch.setenv("PANJEREH_DEMO", "1")
    with pytest.raises(DemoCityExists):
        build_demo_city(parcels=100, seed=1)
    with pytest.raises(CommandError, match="--replace"):
        call_command("democity", "--parcels", "100", "--no-progress", stdout=io.StringIO())


def test_parcels_are_ahvaz_shaped(city):
    assert Parcel.objects.count() == city.parcels == 1200
    assert set(Parcel.objects.values_list("region", flat=True)) == set(range(1, 9))
    west, south, east, north = crsmod.city_bbox_lonlat()
    for p in Parcel.objects.all()[:300]:
        validate_postal_code(p.postal_code)
        lon, lat = crsmod.to_crs84(shapely.from_wkb(bytes(p.geom.wkb)).centroid).coords[0]
        assert west < lon < east and south < lat < north
        assert abs(p.area_m2 - p.geom.area) < 0.01 and p.max_density == p.max_floors * 60
    assert len(set(Parcel.objects.values_list("postal_code", flat=True))) == Parcel.objects.count()
    # parcels do not overlap each other or the river
    geoms = [shapely.from_wkb(bytes(p.geom.wkb)) for p in Parcel.objects.all()]
    tree = shapely.STRtree(geoms)
    pairs = tree.query(geoms, predicate="overlaps")
    assert pairs.shape[1] == 0
    grid = make_grid(1200)
    assert not any(g.intersects(grid.river_polygon()) for g in geoms)


def test_networks_lie_where_the_rules_say(city):
    """Offsets from the street centreline: sewer centre, water one side, gas the other, cables under sidewalks."""
    streets = {f.ext_id[3:]: shapely.from_wkb(bytes(f.geom.wkb)) for f in Feature.objects.filter(layer__code="streets")}
    prefixes = {"water_main": "WM", "sewer": "SEW", "gas_main": "GAS", "lv_cable": "LV"}
    planted = {a["ext_id"] for v in city.manifest["faults"]["clearance_violations"] for a in v["assets"]}
    for kind, prefix in prefixes.items():
        lines = Feature.objects.current().filter(kind=kind).exclude(ext_id__in=planted)[:40]
        assert lines
        for f in lines:
            street = streets[f.ext_id[len(prefix) + 1:]]
            distance = street.distance(shapely.from_wkb(bytes(f.geom.wkb)).centroid)
            assert distance == pytest.approx(abs(OFFSETS[kind]), abs=0.01)


def test_manifest_faults_are_in_the_data(city):
    faults = city.manifest["faults"]
    t = Feature.objects.current().get(ext_id=faults["overloaded_transformer"]["ext_id"])
    assert t.load_kva > t.capacity_kva
    shift = faults["shifted_layer"]
    assert 2.0 < (shift["dx_m"] ** 2 + shift["dy_m"] ** 2) ** 0.5 < 3.0
    box = shapely.box(*faults["no_gas_area"]["bbox_utm"])
    gas = [shapely.from_wkb(bytes(f.geom.wkb)) for f in Feature.objects.current().filter(kind="gas_main")]
    assert not any(box.buffer(-20).intersects(g) for g in gas)
    for violation in faults["clearance_violations"]:
        a, b = (Feature.objects.current().get(ext_id=x["ext_id"]) for x in violation["assets"])
        assert a.geom.distance(b.geom) == pytest.approx(violation["distance_m"], abs=0.01)
        assert violation["distance_m"] < violation["minimum_m"]
    for code in ("valve", "hydrant", "manhole", "transformer", "gas_regulator", "telecom_cabinet"):
        assert Feature.objects.current().filter(kind=code).exists(), code


def test_bad_sizes():
    with pytest.raises(ValueError, match="at least 16"):
        build_demo_city(parcels=3, seed=1, replace=True)
