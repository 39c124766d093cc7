"""The role × door matrix across two cities (issue 28 item 3): Dezful's staff — its counter operator, its
municipality's reviewer, GIS staff and signer, and a reviewer of the provincial water company limited to Dezful —
knock on every door of the security matrix, each aimed at Ahvaz's objects (a file, its parcel and documents, an
incident, street works, a bill, an inspection, Ahvaz's tiles). Another city's object is never a success: a 404
(or 403), an empty tile, a list without it. Printed: requests tried, cross-city successes (0)."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from panjereh.agencies import services as agency_services
from panjereh.agencies.models import Agency, CounterOffice, StaffProfile
from panjereh.agencies.staff_tokens import issue_token
from tests.security.test_role_matrix import doors, succeeded, world  # noqa: F401 — the matrix's Ahvaz world
from tests.snapshot import changed_between, written

pytestmark = pytest.mark.django_db
DEZFUL_ROLES = ["dezful.operator", "dezful.reviewer", "dezful.gis", "dezful.signer", "water.dezful_only"]


@pytest.fixture
def dezful(city):
    dezful = agency_services.add_city(actor=None, code="dezful", prefix="DZF", name_fa="دزفول", name_en="Dezful",
                                      centre=(48.40, 32.38), served_by=["water", "power", "gas", "telecom", "fire"])
    municipality = Agency.objects.get(kind="municipality", cities=dezful)
    users = get_user_model().objects
    for username, role, agency, office, cities in (
            ("dezful.operator", "operator", None, CounterOffice.objects.get(city=dezful), []),
            ("dezful.reviewer", "reviewer", municipality, None, []),
            ("dezful.gis", "gis", municipality, None, []),
            ("dezful.signer", "signer", municipality, None, []),
            ("water.dezful_only", "reviewer", Agency.objects.get(code="water"), None, [dezful])):
        profile = StaffProfile.objects.create(user=users.create_user(username, password="x-not-a-demo-1405"),
                                              role=role, agency=agency, office=office)
        profile.cities.set(cities)
    return dezful


def _marks(w) -> list[str]:
    """What would give Ahvaz's objects away in a list's body."""
    return [w["code"], "W-ROLES", f"/crisis/{w['incident']}/", f'"id": {w["parcel"]},', f'"id":{w["parcel"]},']


def _leaked(path: str, response, w) -> bool:
    """A success that shows another city's object: a tile with content, a collection with features, a list that
    names the object; any success at a door that names it."""
    if path.startswith("/tiles/"):
        return bool(response.content)
    names_object = any(str(v) in path.split("?")[0].split("/") for v in (
        w["app"], w["parcel"], w["incident"], w["works"], w["bill"], w["inspection"], w["document"], w["code"]))
    if names_object:
        return True
    body = response.content.decode(errors="replace") if response.get("Content-Type", "").startswith(
        ("application/json", "application/geo+json", "text/html", "text/csv")) else ""
    if path.startswith(("/ogc/collections/parcels/items", "/ogc/collections/power-cables/items", "/api/v1/assets/")):
        return '"numberReturned":0' not in body.replace(" ", "")
    return any(mark in body for mark in _marks(w))


def test_another_citys_staff_meet_none_of_this_citys_objects(world, dezful, capsys):  # noqa: F811
    tried = crossed = writes_checked = 0
    problems = []
    for role in DEZFUL_ROLES:
        member = get_user_model().objects.get(username=role)
        page = Client()
        page.force_login(member)
        token = issue_token(member)
        for method, path, body, _allowed in doors(world):
            if path.startswith(("/api/v1/works/feed/wzdx/", "/indicators/", "/api/v1/streets/")):
                continue  # public: every city's, to anyone
            headers = {"HTTP_AUTHORIZATION": f"Token {token}"} if path.startswith("/api/") else {}
            client = Client() if headers else page
            sent = {} if body == "skip-body" else body or {}
            kwargs = {} if method != "post" else {"data": sent} if not path.startswith(("/api/", "/ogc/")) \
                else {"content_type": "application/json", "data": sent}
            before = written() if method != "get" else None
            response = getattr(client, method)(path, **kwargs, **headers)
            tried += 1
            if before is not None:
                writes_checked += 1
                changed = changed_between(before, written())
                if changed and any(str(world[k]) in str(changed) for k in ("app", "works", "incident", "bill")):
                    crossed += 1
                    problems.append(f"WROTE {role} {method.upper()} {path} → {response.status_code}: {changed}")
            if succeeded(method, path, response) and response.status_code < 400 and _leaked(path, response, world):
                crossed += 1
                problems.append(f"CROSS-CITY {role} {method.upper()} {path} → {response.status_code}")
    with capsys.disabled():
        print(f"\nrole × door across cities: {len(DEZFUL_ROLES)} roles of Dezful at Ahvaz's doors, {tried} "
              f"requests, {crossed} cross-city successes; {writes_checked} writes checked")
    assert problems == []
