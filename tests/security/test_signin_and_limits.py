"""Sign-in is throttled per account and per address across every worker (the database keeps the count);
X-Forwarded-For is not believed from anyone; Basic auth is off; passwords are checked; tracking never puts
the mobile in an address."""

import base64

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.test import Client
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clean_cache():
    cache.clear()
    yield
    cache.clear()


def test_wrong_passwords_lock_the_account_for_every_worker(city):
    """Before: 60 wrong passwords in a row were all answered, and the right one then worked."""
    answers = [Client().post("/login/", {"username": "operator2", "password": f"guess-{n}"}).status_code
               for n in range(8)]
    assert answers[:4] == [200] * 4 and set(answers[4:]) == {429}  # the fifth failure locks
    # another "worker" (a new client, no shared memory) with the right password: still locked
    locked = Client().post("/login/", {"username": "operator2", "password": "demo-only-1405"})
    assert locked.status_code == 429 and "ورود موقتاً بسته است" in locked.content.decode()
    token = APIClient().post("/api/v1/auth/token/", {"username": "operator2", "password": "demo-only-1405"},
                             format="json")
    assert token.status_code in {403, 429} and "token" not in token.json()
    # other accounts from another address still sign in
    assert Client(REMOTE_ADDR="10.0.0.9").post("/login/", {"username": "operator1",
                                                           "password": "demo-only-1405"}).status_code == 302


def test_one_address_guessing_many_accounts_is_locked(city, settings):
    """An address waits once its failures across accounts pass PANJEREH_SIGNIN_FAILURES_PER_ADDRESS — far above
    an office's typos (five accounts' failures no longer lock a counter office out: tests/security/
    test_signin_locks.py)."""
    from django.core.cache import cache

    settings.PANJEREH_SIGNIN_FAILURES_PER_ADDRESS = 10
    cache.delete("signin-failures:10.1.1.1")
    for n in range(10):
        name = ["signer", "coordinator", "reviewer.gas", "gis.gas", "operator2"][n % 5]
        Client(REMOTE_ADDR="10.1.1.1").post("/login/", {"username": name, "password": f"wrong-{n}"})
    assert Client(REMOTE_ADDR="10.1.1.1").post("/login/", {"username": "operator1",
                                                           "password": "demo-only-1405"}).status_code == 429
    # a forged X-Forwarded-For does not make a new address: no proxy of ours is configured
    forged = Client(REMOTE_ADDR="10.1.1.1", HTTP_X_FORWARDED_FOR="203.0.113.5")
    assert forged.post("/login/", {"username": "operator1", "password": "demo-only-1405"}).status_code == 429
    cache.delete("signin-failures:10.1.1.1")


def test_forwarded_for_is_believed_only_from_our_proxies(settings, rf):
    from panjereh.core.clientip import client_ip

    request = rf.get("/", HTTP_X_FORWARDED_FOR="198.51.100.7, 203.0.113.5", REMOTE_ADDR="10.0.0.2")
    assert client_ip(request) == "10.0.0.2"
    settings.PANJEREH_TRUSTED_PROXIES = 1
    assert client_ip(request) == "203.0.113.5"  # our one proxy saw 203.0.113.5; the rest is the client's word


def test_api_throttles_ignore_a_forged_forwarded_for(city):
    client = APIClient()
    codes = [client.post("/api/v1/track/ABCDEFGHJK/", {"mobile": "09160000000"}, format="json",
                         HTTP_X_FORWARDED_FOR=f"198.51.100.{n}").status_code for n in range(32)]
    assert codes[:30] == [404] * 30 and codes[30:] == [429, 429]


def test_basic_auth_is_off_unless_configured(city):
    credentials = base64.b64encode(b"coordinator:demo-only-1405").decode()
    r = APIClient().get("/api/v1/applications/", HTTP_AUTHORIZATION=f"Basic {credentials}")
    assert r.status_code in {401, 403}


def test_tracking_refuses_the_mobile_in_the_address(city):
    r = APIClient().get("/api/v1/track/ABCDEFGHJK/", {"mobile": "09161234567"})
    assert r.status_code == 405


@pytest.mark.parametrize("weak", ["1234567890", "password123", "short"])
def test_password_validators_are_on(weak):
    with pytest.raises(ValidationError):
        validate_password(weak)
