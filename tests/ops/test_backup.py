"""Issue 25, item 21: `panjereh backup` while the server takes payments, `panjereh restore` into an empty
deployment, on the database under test; then every file, payment, ledger row, document and paper of the
restored city is checked — each stored hash against its bytes, each payment against its ledger rows, and the
restored rows against the original's."""

import json
import os
import subprocess
import sys
import threading
import uuid

import pytest
from django.core.files.storage import default_storage
from django.db import connection

from panjereh.permits import pdf, services
from panjereh.permits.models import Application, FileDocument
from panjereh.billing.models import LedgerEntry, Payment
from tests.citizens.helpers import pdf_bytes, upload
from tests.conftest import user
from tests.permits.helpers import good_parcel, request_body

CHECK = """
import hashlib, json, django
django.setup()
from django.core.files.storage import default_storage
from django.db.models import Sum
from panjereh.permits.models import Application, CompletionCertificate, FileDocument, Permit
from panjereh.billing.models import Bill, LedgerEntry, Payment

def sha(name):
    with default_storage.open(name, "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()

out = {"files": Application.objects.count(), "codes": sorted(Application.objects.values_list("tracking_code", flat=True)),
       "payments": sorted([p.reference, p.amount, p.status] for p in Payment.objects.all()),
       "ledger": LedgerEntry.objects.count(), "bad": []}
for p in Payment.objects.filter(status="settled"):
    booked = LedgerEntry.objects.filter(payment=p).aggregate(s=Sum("amount"))["s"] or 0
    if booked != p.amount:
        out["bad"].append(["ledger", p.reference, booked, p.amount])
for d in FileDocument.objects.exclude(file=""):
    if sha(d.file) != d.sha256:
        out["bad"].append(["document", d.file])
papers = 0
for model in (Permit, Bill, CompletionCertificate):
    for paper in model.objects.exclude(pdf_file=""):
        papers += 1
        if sha(paper.pdf_file) != paper.pdf_sha256:
            out["bad"].append(["paper", paper.pdf_file])
out["papers"] = papers
out["documents"] = FileDocument.objects.exclude(file="").count()
print(json.dumps(out))
"""


def _url():
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"spatialite:///{db['NAME']}"
    return f"postgis://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _empty_database(tmp_path):
    if connection.vendor == "sqlite":
        return f"spatialite:///{tmp_path / 'restored.sqlite3'}", lambda: None
    import psycopg

    params = connection.get_connection_params()
    admin = psycopg.connect(**{k: v for k, v in params.items() if k in {"host", "port", "user", "password"}},
                            dbname="postgres", autocommit=True)
    name = f"panjereh_restore_{uuid.uuid4().hex[:8]}"
    admin.execute(f"CREATE DATABASE {name}")
    with psycopg.connect(**{k: v for k, v in params.items() if k in {"host", "port", "user", "password"}},
                         dbname=name, autocommit=True) as db:
        db.execute("CREATE EXTENSION postgis")
    url = f"postgis://{params.get('user', 'postgres')}@{params.get('host', '127.0.0.1')}:{params.get('port', 5432)}/{name}"
    return url, lambda: (admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"), admin.close())


def _run(env, *args, code=None):
    cmd = [sys.executable, "-c", code] if code else [sys.executable, "-m", "panjereh.manage", *args]
    done = subprocess.run(cmd, env={**os.environ, "DJANGO_SETTINGS_MODULE": "panjereh.settings", **env},
                          capture_output=True, text=True, timeout=900)
    return done


def _issued_file(n, documents=True):
    """A file through the services: opened, a scanned deed, approved, paid in cash (permit, orders, ledger)."""
    operator = user("operator1")
    parcel = good_parcel(None)
    body = request_body(parcel)
    app = services.submit_application(actor=operator, parcel=parcel, applicant=body["applicant"] | {
        "national_id": "4608968882"}, permit=body["permit"], services=body["services"], office=operator.staff.office)
    if documents:
        services.add_document(actor=operator, application=app, kind="ownership_deed",
                              upload=upload("deed.pdf", pdf_bytes(f"سند {n}")))
    for agency in ("municipality", "water", "power"):
        services.record_decision(actor=user(f"reviewer.{agency}"), application=app, agency_code=agency,
                                 decision="approve")
    bill = services.open_bill(app)
    services.record_payment(actor=operator, application=app, provider="cash", amount=bill.total, reference=f"BK-{n}")
    return app


@pytest.mark.django_db(transaction=True)
def test_a_backup_taken_while_payments_go_on_restores_whole(live_city, settings, tmp_path):
    media = tmp_path / "media"
    settings.MEDIA_ROOT = media
    for n in range(3):
        _issued_file(n)
    pdf.render_pending(20)
    assert list(media.rglob("*.pdf"))
    env = {"DATABASE_URL": _url(), "PANJEREH_MEDIA_DIR": str(media)}
    # the server goes on taking payments while the backup runs
    stop, made, errors = threading.Event(), [], []

    def counter_office():
        from django.db import connection as thread_connection

        try:
            n = 100
            while not stop.is_set() and n < 106:
                made.append(_issued_file(n, documents=n % 2 == 0).tracking_code)
                n += 1
        except Exception as exc:  # noqa: BLE001 — reported by the test below
            errors.append(repr(exc))
        finally:
            thread_connection.close()

    worker = threading.Thread(target=counter_office)
    worker.start()
    folder = tmp_path / "backup-1"
    done = _run(env, "backup", str(folder))
    stop.set()
    worker.join()
    assert done.returncode == 0, done.stderr[-3000:]
    assert errors == [], errors
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["files"] and all(len(f["sha256"]) == 64 for f in manifest["files"])
    # a changed byte in the backup is found before anything is restored
    assert _run(env, "restore", "--check", str(folder)).returncode == 0

    url, drop = _empty_database(tmp_path)
    restored_media = tmp_path / "restored-media"
    try:
        target = {"DATABASE_URL": url, "PANJEREH_MEDIA_DIR": str(restored_media)}
        back = _run(target, "restore", str(folder))
        assert back.returncode == 0, back.stderr[-3000:]
        again = _run(target, "restore", str(folder))  # never over a deployment that holds a city
        assert again.returncode != 0 and "not empty" in again.stderr
        check = _run(target, code=CHECK)
        assert check.returncode == 0, check.stderr[-3000:]
        restored = json.loads(check.stdout.strip().splitlines()[-1])
    finally:
        drop()
    assert restored["bad"] == [], restored["bad"]
    assert restored["papers"] >= 6 and restored["documents"] >= 3
    # every file opened before the backup began is there; what the counter did meanwhile is there or not, whole
    before = {a.tracking_code for a in Application.objects.exclude(tracking_code__in=made)}
    assert before <= set(restored["codes"])
    assert set(restored["codes"]) <= {a.tracking_code for a in Application.objects.all()}
    original = {p.reference: [p.reference, p.amount, p.status] for p in Payment.objects.all()}
    assert all(original[p[0]] == p for p in restored["payments"])
    assert restored["ledger"] <= LedgerEntry.objects.count()
    assert FileDocument.objects.exclude(file="").count() >= restored["documents"]
    assert default_storage.exists(manifest["files"][0]["name"])


def test_a_damaged_backup_is_refused_before_anything_changes(tmp_path):
    folder = tmp_path / "b"
    (folder / "files").mkdir(parents=True)
    (folder / "database.sqlite3").write_bytes(b"x")
    (folder / "manifest.json").write_text(json.dumps({"engine": "sqlite", "files": [], "database": {
        "file": "database.sqlite3", "sha256": "0" * 64, "size": 1}}))
    done = _run({"DATABASE_URL": f"spatialite:///{tmp_path / 'new.sqlite3'}"}, "restore", str(folder))
    assert done.returncode != 0 and "missing or changed" in done.stderr and "Traceback" not in done.stderr
