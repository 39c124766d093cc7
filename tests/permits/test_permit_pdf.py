"""The permit as a PDF rendered on the server by the worker once it issues (WeasyPrint, the served Vazirmatn
font), never in the request that issued it, kept unchanged with its SHA-256, downloadable by whoever may read the file, and from the public verify address
behind the QR code together with its hash; its text extracted again reads as Persian in logical order."""

import hashlib
import io
from datetime import timedelta

import pypdf
import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from panjereh.integrations import delivery
from panjereh.permits import pdf
from panjereh.permits.models import PendingPaper, Permit
from tests.conftest import user
from tests.permits.helpers import approve_all, good_parcel, pay_in_cash, request_body, supervise_to_completion

pytestmark = pytest.mark.django_db


def _approved_file(client_for, city) -> dict:
    """A file submitted at the counter and approved by every agency (its bill issued), as the API answers it."""
    app = client_for("operator1").post("/api/v1/applications/", request_body(good_parcel(city)), format="json").json()
    approve_all(client_for, app["id"])
    return app
ZWNJ = "\u200c"


def test_the_permit_pdf_is_rendered_by_the_worker_and_verifiable(client_for, city, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    app = _approved_file(client_for, city)
    pay_in_cash(client_for, app["id"], "R-PDF-1")
    permit = Permit.objects.get(application_id=app["id"])
    # the payment's request rendered nothing: the permit waits for the worker, queued with the issue itself
    assert permit.pdf_file == "" and not list(tmp_path.rglob("*.pdf"))
    assert PendingPaper.objects.filter(kind="permit", object_id=permit.pk).exists()
    counts = delivery.run_once("test-worker")  # the worker's pass
    assert counts["papers_rendered"] >= 2 and counts["papers_failed"] == 0  # the bill and the permit
    permit.refresh_from_db()
    assert permit.pdf_file and len(permit.pdf_sha256) == 64 and not PendingPaper.objects.exists()
    with default_storage.open(permit.pdf_file, "rb") as handle:
        original = handle.read()
    assert hashlib.sha256(original).hexdigest() == permit.pdf_sha256 and original.startswith(b"%PDF-")

    reader = pypdf.PdfReader(io.BytesIO(original))
    fonts = {str(f["/BaseFont"]) for f in reader.pages[0]["/Resources"]["/Font"].values()
             for f in [f.get_object()]}
    assert any("Vazirmatn" in f for f in fonts), fonts  # the served font, embedded
    text = reader.pages[0].extract_text().replace(ZWNJ, "")
    # (pypdf drops the zero-width non-joiner, which draws nothing: the words are compared without it)
    for words in ("جمهوری اسلامی ایران", "شهرداری اهواز", "پروانه ساختمان", "علی کریمی", "مسکونی",
                  "مهلت شروع عملیات ساختمانی", "انشعاب آب", "انشعابهای سفارشدادهشده همزمان با پروانه"):
        assert words in text, (words, text[:400])

    # the staff who read the file, and nobody else, download the same bytes
    operator = Client()
    operator.force_login(user("operator1"))
    downloaded = operator.get(f"/permits/{permit.number}/certificate.pdf")
    assert downloaded.status_code == 200 and b"".join(downloaded.streaming_content) == original
    assert downloaded["X-Content-SHA256"] == permit.pdf_sha256
    other = Client()
    other.force_login(user("operator2"))
    assert other.get(f"/permits/{permit.number}/certificate.pdf").status_code == 404
    assert Client().get(f"/permits/{permit.number}/certificate.pdf").status_code == 302

    # the public verify page shows the original's hash and serves the original; a changed copy differs
    page = Client().get(f"/verify/{permit.verification_code}/")
    assert page.status_code == 200 and permit.pdf_sha256 in page.content.decode()
    public = Client().get(f"/verify/{permit.verification_code}/permit.pdf")
    assert hashlib.sha256(b"".join(public.streaming_content)).hexdigest() == permit.pdf_sha256
    assert Client().get("/verify/not-a-code/permit.pdf").status_code == 404
    # asked again, the PDF is not rendered again: the stored original is served
    again = Client().get(f"/verify/{permit.verification_code}/permit.pdf")
    assert b"".join(again.streaming_content) == original
    assert len(list(tmp_path.rglob("permits/*.pdf"))) == 1


def test_the_bill_and_the_completion_certificate_as_verifiable_pdfs(client_for, city, settings, tmp_path):
    from panjereh.permits.models import CompletionCertificate
    from panjereh.billing.models import Bill

    settings.MEDIA_ROOT = tmp_path
    app = _approved_file(client_for, city)
    pdf.render_pending()
    bill = Bill.objects.get(application_id=app["id"])
    assert bill.pdf_file and bill.verification_code  # rendered when the bill was made
    with default_storage.open(bill.pdf_file, "rb") as handle:
        original = handle.read()
    text = pypdf.PdfReader(io.BytesIO(original)).pages[0].extract_text().replace(ZWNJ, "")
    assert "صورتحساب شماره" in text and "علی کریمی" in text and "شرکت آب و فاضلاب" in text
    page = Client().get(f"/verify/bill/{bill.verification_code}/")
    assert page.status_code == 200 and bill.pdf_sha256 in page.content.decode()
    public = Client().get(f"/verify/bill/{bill.verification_code}/paper.pdf")
    assert hashlib.sha256(b"".join(public.streaming_content)).hexdigest() == bill.pdf_sha256
    assert Client().get("/verify/bill/nothing-here/").status_code == 404
    assert Client().get("/verify/invoice/anything/").status_code == 404

    pay_in_cash(client_for, app["id"], "R-PDF-2")
    supervise_to_completion(app["id"])
    assert client_for("signer").post(f"/api/v1/applications/{app['id']}/completion/",
                                     {"reason": "نصب انشعاب‌ها پس از سکونت"}, format="json").status_code == 201
    pdf.render_pending()
    certificate = CompletionCertificate.objects.get(application_id=app["id"])
    assert certificate.pdf_file and len(certificate.pdf_sha256) == 64
    with default_storage.open(certificate.pdf_file, "rb") as handle:
        text = pypdf.PdfReader(handle).pages[0].extract_text().replace(ZWNJ, "")
    assert "گواهی پایان کار ساختمان" in text
    page = Client().get(f"/verify/completion/{certificate.verification_code}/")
    assert page.status_code == 200 and certificate.pdf_sha256 in page.content.decode()


def test_a_paper_asked_for_before_the_worker_is_rendered_once(client_for, city, settings, tmp_path):
    """The first request renders it; the worker then finds it rendered and only takes it off the queue."""
    settings.MEDIA_ROOT = tmp_path
    app = _approved_file(client_for, city)
    pay_in_cash(client_for, app["id"], "R-PDF-3")
    permit = Permit.objects.get(application_id=app["id"])
    first = b"".join(Client().get(f"/verify/{permit.verification_code}/permit.pdf").streaming_content)
    assert first.startswith(b"%PDF-")
    assert pdf.render_pending() == {"rendered": 2, "failed": 0}  # the bill rendered, the permit only dequeued
    permit.refresh_from_db()
    with default_storage.open(permit.pdf_file, "rb") as handle:
        assert handle.read() == first
    assert len(list(tmp_path.rglob("permits/*.pdf"))) == 1 and not PendingPaper.objects.exists()


def test_a_paper_that_fails_is_retried_later_and_does_not_stop_the_others(client_for, city, settings, tmp_path):
    app = _approved_file(client_for, city)
    pay_in_cash(client_for, app["id"], "R-PDF-4")
    permit = Permit.objects.get(application_id=app["id"])
    # the storage cannot be written (the media folder is a file): every paper fails, none is lost
    blocked = tmp_path / "media"
    blocked.write_text("not a folder")
    settings.MEDIA_ROOT = blocked
    assert pdf.render_pending() == {"rendered": 0, "failed": 2}
    job = PendingPaper.objects.get(kind="permit", object_id=permit.pk)
    assert job.attempts == 1 and job.last_error and job.not_before > timezone.now()  # backed off
    assert pdf.render_pending() == {"rendered": 0, "failed": 0}  # not tried again before its time
    # it keeps failing: after RENDER_ATTEMPTS tries the worker gives up; the operator sees it, and retries it
    # once the storage is repaired
    for _ in range(pdf.RENDER_ATTEMPTS - 1):
        PendingPaper.objects.update(not_before=timezone.now())
        assert pdf.render_pending() == {"rendered": 0, "failed": 2}
    PendingPaper.objects.update(not_before=timezone.now())
    assert pdf.render_pending() == {"rendered": 0, "failed": 0}
    shown = io.StringIO()
    call_command("outbox", stdout=shown)
    assert "0 waiting for their PDF, 2 given up" in shown.getvalue() and f"permit {permit.pk}:" in shown.getvalue()
    settings.MEDIA_ROOT = tmp_path / "repaired"
    call_command("outbox", "--retry-papers", stdout=io.StringIO())
    assert pdf.render_pending() == {"rendered": 2, "failed": 0}
    permit.refresh_from_db()
    assert permit.pdf_sha256 and not PendingPaper.objects.exists()


def test_a_paper_another_worker_holds_is_left_to_it_until_its_claim_runs_out(client_for, city, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    app = _approved_file(client_for, city)
    # a worker claimed the bill and died while rendering it: its claim moved the paper's time forward
    claimed = PendingPaper.objects.get(kind="bill")
    PendingPaper.objects.filter(pk=claimed.pk).update(
        not_before=timezone.now() + timedelta(seconds=pdf.CLAIM_SECONDS))
    assert pdf.render_pending() == {"rendered": 0, "failed": 0}
    PendingPaper.objects.filter(pk=claimed.pk).update(not_before=timezone.now())  # the claim ran out
    assert pdf.render_pending() == {"rendered": 1, "failed": 0}


@pytest.mark.django_db(transaction=True)
def test_a_paper_whose_rendering_a_database_restart_broke_is_released_at_once(client_for, live_city, settings,
                                                                              tmp_path, monkeypatch):
    """PostgreSQL restarts while the worker renders a bill (the test's own cluster, never the machine's): the
    failed render gives its claim back with its back-off — seconds — instead of holding the paper for the
    claim's CLAIM_SECONDS (600 s: two bills stayed locked ten minutes before the fix)."""
    import contextlib
    import threading

    import psycopg
    from django.db import DatabaseError, connection

    from tests.pgcluster import own_cluster, pointed_at

    if connection.vendor != "postgresql":
        pytest.skip("a PostgreSQL server restart is a PostgreSQL fault; SpatiaLite has no server")
    settings.MEDIA_ROOT = tmp_path
    monkeypatch.setattr(pdf, "BACKOFF_SECONDS", 1)
    _approved_file(client_for, live_city)
    job = PendingPaper.objects.get(kind="bill")
    with own_cluster() as cluster, pointed_at(cluster):
        def restart_once_claimed():
            with psycopg.connect(f"host=127.0.0.1 port={cluster.port} dbname={cluster.database} user=postgres",
                                 autocommit=True) as watcher:
                for _ in range(2000):
                    until = watcher.execute("SELECT not_before FROM permits_pendingpaper WHERE id = %s",
                                            [job.pk]).fetchone()[0]
                    if until > timezone.now() + timedelta(seconds=pdf.CLAIM_SECONDS / 2):  # the worker's claim
                        break
                    threading.Event().wait(0.005)
            cluster.restart()

        restarter = threading.Thread(target=restart_once_claimed)
        restarter.start()
        with contextlib.suppress(DatabaseError):  # the worker's loop outlives one failed pass
            counts = pdf.render_pending()
            assert counts["rendered"] == 0, "the restart came after the render: nothing was tested"
        restarter.join(120)
        connection.close()  # as the worker's loop does after a database error (delivery.run_forever)
        pdf.render_pending()  # the next pass: writes a release the restart kept from being written
        job.refresh_from_db()
        assert job.attempts == 1 and job.last_error
        assert job.not_before < timezone.now() + timedelta(seconds=5)  # its back-off, not CLAIM_SECONDS
        threading.Event().wait(2.5)
        assert pdf.render_pending() == {"rendered": 1, "failed": 0}
        assert not PendingPaper.objects.filter(pk=job.pk).exists()
