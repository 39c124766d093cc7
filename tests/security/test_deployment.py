"""What a city's auditor checks: tokens hashed, secrets not shown again, money records read-only in admin,
webhooks only to public addresses, the reference receiver answering bad input, no CDN for the API docs,
`check --deploy` clean under production settings, var/ private."""

import http.client
import json
import os
import stat
import subprocess
import sys
import threading
import time

import pytest
from django.conf import settings as django_settings
from django.test import Client

from panjereh.agencies.models import StaffToken
from panjereh.integrations import delivery
from panjereh.integrations.destinations import DestinationRefused, check_destination
from panjereh.integrations.models import Delivery, Subscription
from panjereh.integrations.signing import HEADER, sign
from tests.conftest import user

pytestmark = pytest.mark.django_db


def test_api_tokens_are_stored_as_hashes_and_expire(client_for, city):
    r = client_for().post("/api/v1/auth/token/", {"username": "reviewer.gas", "password": "demo-only-1405"},
                          format="json")
    raw = r.json()["token"]
    stored = StaffToken.objects.filter(user__username="reviewer.gas").order_by("-id").first()
    assert raw not in (stored.key_hash, stored.prefix) and len(stored.key_hash) == 64
    api = client_for()
    api.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    assert api.get("/api/v1/applications/").status_code == 200
    StaffToken.objects.filter(pk=stored.pk).update(expires_at="2020-01-01T00:00:00Z")
    assert api.get("/api/v1/applications/").status_code in {401, 403}
    api.credentials(HTTP_AUTHORIZATION=f"Token {stored.key_hash}")  # a stolen copy of the table signs nobody in
    assert api.get("/api/v1/applications/").status_code in {401, 403}


@pytest.mark.parametrize("path", ["billing/payment", "billing/bill", "permits/permit", "billing/ledgerentry",
                                  "permits/tariffchange", "core/auditrecord"])
def test_money_permits_and_audit_are_read_only_in_admin(city, path):
    admin = Client()
    admin.force_login(user("admin"))
    assert admin.get(f"/admin/{path}/add/").status_code == 403
    listing = admin.get(f"/admin/{path}/")
    assert listing.status_code == 200


def test_secrets_are_not_shown_again_in_admin(city, settings):
    settings.PANJEREH_WEBHOOK_ALLOWED_HOSTS = ["hooks.example"]
    admin = Client()
    admin.force_login(user("admin"))
    from panjereh.agencies.models import Agency

    page = admin.post("/admin/integrations/subscription/add/", {
        "agency": Agency.objects.get(code="water").pk, "url": "https://hooks.example/panjereh",
        "event_types": "[]", "active": "on"}, follow=True)
    sub = Subscription.objects.get(url="https://hooks.example/panjereh")
    assert len(sub.secret) >= 32 and sub.secret in page.content.decode()  # shown once, on creation
    edit = admin.get(f"/admin/integrations/subscription/{sub.pk}/change/").content.decode()
    assert sub.secret not in edit and 'name="secret"' not in edit


@pytest.mark.parametrize("url", ["http://127.0.0.1:5432/", "http://169.254.169.254/latest/meta-data/",
                                 "http://10.1.2.3/", "http://[::1]:8000/", "ftp://example.org/", "file:///etc/passwd",
                                 "http://localhost:6379/", "http://user:pw@example.org/"])
def test_webhooks_refuse_internal_addresses(url, settings):
    settings.PANJEREH_WEBHOOK_ALLOWED_HOSTS = []
    with pytest.raises(DestinationRefused):
        check_destination(url)


def test_a_subscription_to_an_internal_address_is_never_called(city, settings):
    """Before: http://127.0.0.1:5432/ was accepted and the stored error told whether the port was open."""
    settings.PANJEREH_WEBHOOK_ALLOWED_HOSTS = []
    from panjereh.agencies.models import Agency
    from panjereh.core import audit

    calls = []
    import socketserver

    class Trap(socketserver.BaseRequestHandler):
        def handle(self):
            calls.append(1)

    trap = socketserver.TCPServer(("127.0.0.1", 0), Trap)
    threading.Thread(target=trap.serve_forever, daemon=True).start()
    delivery.OutboxEvent.objects.update(fanned_out=True)
    sub = Subscription.objects.create(agency=Agency.objects.get(code="water"),
                                      url=f"http://127.0.0.1:{trap.server_address[1]}/", secret="s")
    audit.emit(event_type="layer.version_published", agency_code="water", payload={})
    delivery.run_once("t")
    trap.shutdown()
    trap.server_close()
    d = Delivery.objects.get(subscription=sub)
    assert calls == [] and d.last_error.startswith("refused:") and str(trap.server_address[1]) not in d.last_error
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        sub.full_clean()


def test_reference_receiver_answers_400_to_a_malformed_signed_request():
    from panjereh.integrations.receiver import make_handler
    from http.server import ThreadingHTTPServer

    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler("sec", set(), on_event=lambda e: None))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        for body in (b"not json", b"[1, 2]", b'{"no": "id"}'):
            conn = http.client.HTTPConnection("127.0.0.1", server.server_address[1], timeout=5)
            conn.request("POST", "/", body=body, headers={HEADER: sign("sec", body)})
            assert conn.getresponse().status == 400
        conn = http.client.HTTPConnection("127.0.0.1", server.server_address[1], timeout=5)
        conn.request("POST", "/", body=b"{}", headers={HEADER: "t=1,v1=ü".encode("utf-8").decode("latin-1")})
        assert conn.getresponse().status == 401
    finally:
        server.shutdown()
        server.server_close()


def test_api_docs_come_from_our_own_static_files(client):
    page = client.get("/api/v1/docs/").content.decode()
    assert "cdn" not in page.lower() and "/static/drf_spectacular_sidecar/" in page


def test_check_deploy_is_clean_under_production_settings(tmp_path):
    env = {**os.environ, "SECRET_KEY": "x" * 64 + "production-secret-from-the-environment",
           "PANJEREH_HTTPS": "1", "PANJEREH_ALLOWED_HOSTS": "panjereh.ahvaz.ir", "PANJEREH_VAR_DIR": str(tmp_path),
           "DATABASE_URL": f"spatialite:///{tmp_path / 'p.sqlite3'}"}
    env.pop("PANJEREH_DEBUG", None)
    env.pop("PANJEREH_DEMO", None)
    done = subprocess.run([sys.executable, "-m", "panjereh.manage", "check", "--deploy", "--fail-level", "WARNING"],
                          capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues" in done.stdout
    assert stat.S_IMODE(tmp_path.stat().st_mode) == 0o700  # var/ is the service user's only


def test_pages_carry_a_content_security_policy(client):
    policy = client.get("/login/")["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "default-src 'self'" in policy and "worker-src 'self' blob:" in policy
