"""The demo's public planning layers (B-READY 4 and 8): `make run` shows the zoning and hazard practices met,
from layers published as a municipality's own would be — versioned, public, read by the pre-check."""

import pytest
from django.test import Client

from panjereh.citymap import public_layers
from panjereh.citymap.models import Layer, Parcel
from panjereh.democity.planning import publish_planning_layers
from panjereh.indicators import practices

pytestmark = pytest.mark.django_db


def test_the_demo_publishes_its_zoning_and_hazards_once_and_the_practices_turn_met(city):
    met = {p["key"]: p["met"] for p in practices.checklist()}
    assert not met["public_zoning"] and not met["hazard_information"]
    assert publish_planning_layers(city.manifest) == ["zoning-detailed-plan", "hazard-flood", "hazard-pipelines"]
    assert publish_planning_layers(city.manifest) == []  # once
    met = {p["key"]: p["met"] for p in practices.checklist()}
    assert met["public_zoning"] and met["hazard_information"]
    assert set(Layer.objects.filter(code__in=["zoning-detailed-plan", "hazard-flood"])
               .values_list("visibility", flat=True)) == {"public"}
    # every parcel lies in a zone whose rules admit what the single window checks on it
    for parcel in Parcel.objects.order_by("?")[:40]:
        zones = public_layers.zoning_of(parcel)
        assert len(zones) == 1, parcel.pk
        assert parcel.max_floors <= zones[0]["attrs"]["max_floors"]
    # the floodplain is beside the river: some parcels touch it, most do not
    touched = sum(bool(public_layers.hazards_of(p)) for p in Parcel.objects.order_by("id")[:400])
    assert 0 < touched < 400
    # public without signing in: the rules table and the layers' items
    client = Client()
    assert 'data-zone="R' in client.get("/procedures/zoning/").content.decode()
    assert client.get("/ogc/collections/hazard-flood/items").json()["features"][0]["properties"]["name"]
