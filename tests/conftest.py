"""Shared fixtures: a small demo city in the test database, users of each role, API clients.

The same tests run on SpatiaLite and on PostGIS (DATABASE_URL picks which).
"""

import contextlib
import threading

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from panjereh.agencies import defaults
from panjereh.agencies.models import Agency, FeeSchedule, RefusalReason, Service
from panjereh.cities.services import forget_home_city, home_city_id
from panjereh.citymap.models import Parcel
from panjereh.democity.build import build_demo_city
from panjereh.democity.models import DemoBuild
from panjereh.democity.people import create_demo_people
from panjereh.permits.models import DocumentRequirement
from panjereh.permits.required_documents import load_defaults as load_required_documents

def pytest_configure(config):
    # mapbox-vector-tile (the SpatiaLite tile encoder) calls shapely.ops.transform, which Shapely 2.1
    # deprecates: thousands of identical lines per run that hide the warnings that matter.
    config.addinivalue_line("filterwarnings",
                            "ignore:The 'shapely.ops.transform\\(\\)' function is deprecated:DeprecationWarning")


TEST_PARCELS = 1200
TEST_SEED = 7


def ensure_city():
    """Build the small test city (and its people) unless it is already in the database."""
    forget_home_city()  # a transactional test's flush took the city's row with it
    defaults.load(Agency, Service)
    defaults.serve_home_city(Agency, home_city_id())
    defaults.load_review_rules(Agency, RefusalReason, FeeSchedule)
    # what the migrations wrote, again: a transactional test's flush empties every table
    defaults.load_city_rules(Agency, Service)
    load_required_documents(DocumentRequirement)
    if not Parcel.objects.exists():
        build_demo_city(parcels=TEST_PARCELS, seed=TEST_SEED)
    create_demo_people()
    return DemoBuild.objects.get()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        ensure_city()


@pytest.fixture(scope="session", autouse=True)
def worker_deadlines_off():
    """The worker's own deadline pass stays off in tests that run the worker for something else (a test of it
    turns it on): a test's file whose deadline it set in the past is not deemed behind its back."""
    from django.conf import settings

    settings.PANJEREH_DEADLINES_EVERY = 0


@pytest.fixture(scope="session", autouse=True)
def tile_cache(tmp_path_factory):
    """Each test session keeps its vector tiles in its own folder, never in var/."""
    from django.conf import settings

    settings.PANJEREH_TILE_CACHE_DIR = str(tmp_path_factory.mktemp("tiles"))
    return settings.PANJEREH_TILE_CACHE_DIR


@contextlib.contextmanager
def served(server):
    """A fake's HTTP server answering on its own thread for the block, then shut and closed."""
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def fake_sms(settings, monkeypatch):
    """The fake SMS provider (its own HTTP server on 127.0.0.1), configured as Panjereh's provider for one test;
    ``fake_sms.sent(mobile)`` is what reached that person, ``fake_sms.mode(…)`` makes it misbehave."""
    import json
    import urllib.request

    from panjereh.sms import fakesms

    monkeypatch.setenv("PANJEREH_DEMO", "1")
    server = fakesms.make_server(0, key="test-sms-key-not-secret")
    url = f"http://127.0.0.1:{server.server_address[1]}"
    settings.PANJEREH_SMS_URL, settings.PANJEREH_SMS_KEY = url, "test-sms-key-not-secret"
    settings.PANJEREH_SMS_SENDER = "3000123"

    def sent(mobile=""):
        with urllib.request.urlopen(f"{url}/_sent?receptor={mobile}", timeout=5) as response:
            return json.loads(response.read())["sent"]

    def mode(name, delay=0.0):
        body = json.dumps({"mode": name, "delay": delay}).encode()
        urllib.request.urlopen(urllib.request.Request(f"{url}/_mode", data=body, method="POST"), timeout=5).close()

    server.sent, server.mode, server.url = sent, mode, url
    with served(server):
        yield server


@pytest.fixture
def fake_identity(settings, monkeypatch):
    """The fake mobile-ownership inquiry (its own HTTP server on 127.0.0.1) for one test;
    ``fake_identity.register(national_id, mobile, match)``, ``fake_identity.state["mode"] = "down"``."""

    from panjereh.citizens import fakeidentity

    monkeypatch.setenv("PANJEREH_DEMO", "1")
    server = fakeidentity.make_server(0, key="test-identity-key")
    settings.PANJEREH_IDENTITY_URL = f"http://127.0.0.1:{server.server_address[1]}"
    settings.PANJEREH_IDENTITY_KEY = "test-identity-key"
    server.register = lambda nid, mobile, match: server.state["pairs"].__setitem__((nid, mobile), match)
    with served(server):
        yield server


@pytest.fixture
def fake_psp(settings, monkeypatch):
    """The fake bank gateway (its own HTTP server on 127.0.0.1), configured as Panjereh's PSP for one test."""

    from panjereh.billing import fakepsp

    monkeypatch.setenv("PANJEREH_DEMO", "1")
    server = fakepsp.make_server(0, terminal="test-terminal", key="test-key-not-secret")
    settings.PANJEREH_PSP_URL = f"http://127.0.0.1:{server.server_address[1]}"
    settings.PANJEREH_PSP_TERMINAL = "test-terminal"
    settings.PANJEREH_PSP_KEY = "test-key-not-secret"
    with served(server):
        yield server


@pytest.fixture
def fake_mellat(settings, monkeypatch):
    """The fake Behpardakht Mellat gateway (SOAP, its own HTTP server on 127.0.0.1), configured as the PSP."""

    from panjereh.billing import fakemellat

    monkeypatch.setenv("PANJEREH_DEMO", "1")
    server = fakemellat.make_server(0, terminal="6011", key="mellat-test-password", username="panjereh")
    settings.PANJEREH_PSP = "mellat"
    settings.PANJEREH_PSP_URL = f"http://127.0.0.1:{server.server_address[1]}"
    settings.PANJEREH_PSP_PUBLIC_URL = ""
    settings.PANJEREH_PSP_TERMINAL, settings.PANJEREH_PSP_USERNAME = "6011", "panjereh"
    settings.PANJEREH_PSP_KEY = "mellat-test-password"
    settings.PANJEREH_PSP_TIMEOUT = 2.0
    with served(server):
        yield server


@pytest.fixture
def fake_sep(settings, monkeypatch):
    """The fake Saman (SEP) gateway (REST, its own HTTP server on 127.0.0.1), configured as the PSP."""

    from panjereh.billing import fakesep

    monkeypatch.setenv("PANJEREH_DEMO", "1")
    server = fakesep.make_server(0, terminal="12345678")
    settings.PANJEREH_PSP = "sep"
    settings.PANJEREH_PSP_URL = f"http://127.0.0.1:{server.server_address[1]}"
    settings.PANJEREH_PSP_PUBLIC_URL = ""
    settings.PANJEREH_PSP_TERMINAL = "12345678"
    settings.PANJEREH_PSP_KEY = ""
    settings.PANJEREH_PSP_TIMEOUT = 2.0
    with served(server):
        yield server


@pytest.fixture
def fake_address(settings, monkeypatch):
    """The fake postal-code address inquiry (its own HTTP server on 127.0.0.1), configured for one test."""

    from django.core.cache import cache

    from panjereh.citizens import fakeaddress

    monkeypatch.setenv("PANJEREH_DEMO", "1")
    server = fakeaddress.make_server(0, key="address-test-key")
    settings.PANJEREH_ADDRESS_URL = f"http://127.0.0.1:{server.server_address[1]}"
    settings.PANJEREH_ADDRESS_KEY = "address-test-key"
    settings.PANJEREH_ADDRESS_TIMEOUT_SECONDS = 1.0
    cache.clear()
    with served(server):
        yield server


@pytest.fixture
def city(db):
    """The demo city's build record (its manifest lists the planted faults)."""
    return DemoBuild.objects.get()


@pytest.fixture
def live_city(transactional_db):
    """The demo city for tests that need committed data (a live server, another process)."""
    return ensure_city()


def user(username):
    return get_user_model().objects.get(username=username)


@pytest.fixture
def client_for(db):
    """An API client signed in (by token) as one of the demo users."""
    from panjereh.agencies.staff_tokens import issue_token

    def make(username=None):
        client = APIClient()
        if username:
            client.credentials(HTTP_AUTHORIZATION=f"Token {issue_token(user(username))}")
        return client
    return make


@pytest.fixture
def english():
    """Run the test's own calls in English (the default language is Persian): for tests that read the
    English wording of a service's message. Pages and API requests still negotiate their own language."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def refusals_write_nothing(request, monkeypatch):
    """Issue 27 item 14: every request of the suite's test clients answered 400 or 409 — the input or the state
    refused — must have written nothing (tests/snapshot.py), whatever the test itself goes on to check."""
    if not {"db", "transactional_db", "city", "live_city", "client_for"} & set(request.fixturenames):
        return
    from django.test.client import Client

    from tests.snapshot import changed_between, written

    original = Client.request
    marker = request.node.get_closest_marker("refusal_records")
    kept = set(marker.args) if marker else set()

    def checked(self, **environ):
        if environ.get("REQUEST_METHOD", "GET") in {"GET", "HEAD", "OPTIONS"}:
            return original(self, **environ)
        before = written()
        response = original(self, **environ)
        if response.status_code in {400, 409}:
            changed = [label for label in changed_between(before, written()) if label not in kept]
            assert not changed, (f"{environ.get('REQUEST_METHOD')} {environ.get('PATH_INFO')} was refused "
                                 f"({response.status_code}) but wrote rows of {changed}")
        return response

    monkeypatch.setattr(Client, "request", checked)
