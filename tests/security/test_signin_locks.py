"""Issue 25, item 19: five wrong passwords lock one username from one address — not the signer everywhere,
not every clerk behind an office's address; an address failing far beyond an office's rate waits; an
administrator lifts both from a page."""

import os

import pytest
from django.core.cache import cache
from django.test import Client

from panjereh.democity.people import DEFAULT_DEMO_PASSWORD, DEMO_PASSWORD_ENV
from tests.conftest import user

pytestmark = pytest.mark.django_db
PASSWORD = os.environ.get(DEMO_PASSWORD_ENV, DEFAULT_DEMO_PASSWORD)


def sign_in(username, password, address):
    return Client(REMOTE_ADDR=address).post("/login/", {"username": username, "password": password})


def signed_in(response) -> bool:
    return response.status_code == 302 and "/login/" not in response["Location"]


def test_the_pair_is_locked_not_the_person_nor_the_office(city, settings):
    """Before: five typos from anywhere locked the signer out from every address, and one clerk's five typos
    locked out every clerk behind the office's address."""
    office, home = "10.25.0.1", "10.25.0.2"
    for _ in range(settings.AXES_FAILURE_LIMIT):
        assert not signed_in(sign_in("signer", "wrong password", office))
    assert not signed_in(sign_in("signer", PASSWORD, office))  # this pair waits
    assert signed_in(sign_in("signer", PASSWORD, home))  # the signer, elsewhere, does not
    assert signed_in(sign_in("operator2", PASSWORD, office))  # nor the office's other clerks
    # the administrator sees the lock and lifts it
    admin = Client()
    admin.force_login(user("admin"))
    page = admin.get("/signin-locks/").content.decode()
    assert 'data-username="signer"' in page
    assert Client().get("/signin-locks/").status_code in {302, 403}
    operator = Client()
    operator.force_login(user("operator1"))
    assert operator.get("/signin-locks/").status_code == 403
    admin.post("/signin-locks/", {"username": "signer", "address": office})
    assert signed_in(sign_in("signer", PASSWORD, office))


def test_an_address_guessing_across_usernames_waits(city, settings):
    settings.PANJEREH_SIGNIN_FAILURES_PER_ADDRESS = 12
    address = "10.25.0.9"
    cache.delete(f"signin-failures:{address}")
    for n in range(12):
        sign_in(f"nobody{n}", "guess", address)
    refused = sign_in("operator1", PASSWORD, address)
    assert refused.status_code == 429 and not signed_in(refused)
    assert signed_in(sign_in("operator1", PASSWORD, "10.25.0.10"))
    admin = Client()
    admin.force_login(user("admin"))
    assert address in admin.get("/signin-locks/").content.decode()
    admin.post("/signin-locks/", {"address": address})
    assert signed_in(sign_in("operator1", PASSWORD, address))
