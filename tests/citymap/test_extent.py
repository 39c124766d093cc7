"""Issue 27 item 10: one city-extent check (citymap.crs.inside_city, swapped_into_city) for the dig check, an
import, an EPANET network and an incident's point — before, four copies of the same comparisons."""

import numpy as np
from django.conf import settings

from panjereh.citymap import crs


def test_inside_swapped_and_empty(db):  # the extent is the cities' (their rows)
    west, south, east, north = settings.PANJEREH_CITY_BBOX
    lon, lat = (west + east) / 2, (south + north) / 2
    assert crs.inside_city((lon, lat, lon, lat)).tolist() == [True]
    assert crs.inside_city([(lat, lon, lat, lon)]).tolist() == [False]
    assert crs.swapped_into_city([(lat, lon, lat, lon)]).tolist() == [True]
    assert crs.inside_city([(np.nan,) * 4, (west, south, east, north), (west - 1, south, east, north)]).tolist() \
        == [False, True, False]


def test_every_door_says_the_same_of_a_point_outside(client_for, city):
    west, south, east, north = settings.PANJEREH_CITY_BBOX
    lon, lat = (west + east) / 2, (south + north) / 2
    digger = client_for("reviewer.water")
    swapped = {"type": "LineString", "coordinates": [[lat, lon], [lat + 0.0003, lon]]}
    r = digger.post("/api/v1/dig-check/", {"geometry": swapped, "buffer_m": 5}, format="json")
    assert r.status_code == 400 and "geometry" in r.json()["error"]["details"]
    r = digger.post("/api/v1/incidents/", {"kind": "water_burst", "agency": "water", "lon": east + 1, "lat": lat},
                    format="json")
    assert r.status_code == 400 and "location" in r.json()["error"]["details"]
