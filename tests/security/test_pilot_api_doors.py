"""Issue 25, item 20: permission before anything about the input; an id no table can hold is a 404, never a
500, on every door that takes one; the committed OpenAPI file documents what the API answers."""

import pytest
from django.test import Client

from tests.conftest import user

pytestmark = pytest.mark.django_db
HUGE = "9223372036854775808"  # one beyond the largest 64-bit key


def test_an_anonymous_caller_learns_nothing_of_the_layer_form(client):
    """Before: `POST /api/v1/layers/ {}` answered anonymous callers with the list of fields."""
    r = client.post("/api/v1/layers/", {}, content_type="application/json")
    assert r.status_code in {401, 403} and "geometry_type" not in r.content.decode()
    operator = Client()
    operator.force_login(user("operator1"))
    r = operator.post("/api/v1/layers/", {}, content_type="application/json")
    assert r.status_code == 403 and "geometry_type" not in r.content.decode()


@pytest.mark.parametrize("path", [
    f"/api/v1/parcels/{HUGE}/feasibility/", f"/api/v1/parcels/{HUGE}/", f"/api/v1/parcels/{HUGE}/tariffs/",
    f"/api/v1/applications/{HUGE}/", f"/api/v1/works/{HUGE}/", f"/api/v1/incidents/{HUGE}/",
    f"/files/{HUGE}/", f"/files/{HUGE}/decide/", f"/files/{HUGE}/documents/{HUGE}/", f"/files/1/documents/{HUGE}/",
    f"/counter/parcels/{HUGE}/apply/", f"/ogc/collections/parcels/items/{HUGE}",
    f"/ogc/collections/water-mains/items/{HUGE}", f"/tiles/parcels/{HUGE}/1/1.mvt", f"/tiles/parcels/15/{HUGE}/1.mvt", f"/tiles/works/{HUGE}/1/1.mvt",
    f"/api/v1/works/inspections/{HUGE}/", "/api/v1/parcels/-1/feasibility/", "/api/v1/parcels/۹۹۹۹۹۹۹۹۹۹۹۹۹۹۹۹۹۹۹۹/",
])
def test_an_id_beyond_any_key_is_not_found(city, path):
    """Before: `GET /api/v1/parcels/9223372036854775808/feasibility/` was a 500 (OverflowError)."""
    coordinator = Client(raise_request_exception=False)
    coordinator.force_login(user("coordinator"))
    response = coordinator.get(path)
    assert response.status_code in {400, 404}, (path, response.status_code)
