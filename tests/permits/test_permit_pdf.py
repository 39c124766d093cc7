"""The permit as a PDF rendered on the server when it issues (WeasyPrint, the served Vazirmatn font), kept
unchanged with its SHA-256, downloadable by whoever may read the file, and from the public verify address
behind the QR code together with its hash; its text extracted again reads as Persian in logical order."""

import hashlib
import io

import pypdf
import pytest
from django.core.files.storage import default_storage
from django.test import Client

from panjereh.permits.models import Permit
from tests.conftest import user
from tests.permits.helpers import approve_all, good_parcel, pay_in_cash, request_body

pytestmark = pytest.mark.django_db
ZWNJ = "\u200c"


def test_the_permit_pdf_is_rendered_at_issue_and_verifiable(client_for, city, settings, tmp_path,
                                                            django_capture_on_commit_callbacks):
    settings.MEDIA_ROOT = tmp_path
    app = client_for("operator1").post("/api/v1/applications/", request_body(good_parcel(city)), format="json").json()
    approve_all(client_for, app["id"])
    with django_capture_on_commit_callbacks(execute=True):
        pay_in_cash(client_for, app["id"], "R-PDF-1")
    permit = Permit.objects.get(application_id=app["id"])
    assert permit.pdf_file and len(permit.pdf_sha256) == 64  # rendered when it issued
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
    assert len(list(tmp_path.rglob("*.pdf"))) == 1


def test_the_bill_and_the_completion_certificate_as_verifiable_pdfs(client_for, city, settings, tmp_path,
                                                                   django_capture_on_commit_callbacks):
    from panjereh.permits.models import Bill, CompletionCertificate

    settings.MEDIA_ROOT = tmp_path
    app = client_for("operator1").post("/api/v1/applications/", request_body(good_parcel(city)), format="json").json()
    with django_capture_on_commit_callbacks(execute=True):
        approve_all(client_for, app["id"])
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

    with django_capture_on_commit_callbacks(execute=True):
        pay_in_cash(client_for, app["id"], "R-PDF-2")
        assert client_for("signer").post(f"/api/v1/applications/{app['id']}/completion/").status_code == 201
    certificate = CompletionCertificate.objects.get(application_id=app["id"])
    assert certificate.pdf_file and len(certificate.pdf_sha256) == 64
    with default_storage.open(certificate.pdf_file, "rb") as handle:
        text = pypdf.PdfReader(handle).pages[0].extract_text().replace(ZWNJ, "")
    assert "گواهی پایان کار ساختمان" in text
    page = Client().get(f"/verify/completion/{certificate.verification_code}/")
    assert page.status_code == 200 and certificate.pdf_sha256 in page.content.decode()
