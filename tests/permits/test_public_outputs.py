"""Issue 25, items 10 and 15: the page behind the QR code in the site's layout and the reader's language, with
the PDF the reader holds compared here; and nothing that identifies a file or a person in any public output
(the WZDx feed, the indicators and their open data, the verify pages)."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from panjereh.permits import pdf
from panjereh.permits.models import Application, CompletionCertificate, Permit
from panjereh.billing.models import Bill
from panjereh.works.models import Works
from tests.permits.helpers import approve_all, good_parcel, pay_in_cash, request_body, supervise_to_completion

pytestmark = pytest.mark.django_db
PERSIAN = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


def shown(number: str) -> str:
    """A paper's number as a page writes it: in Persian digits, or — with its city's Latin prefix (AHV-…) — as
    typed, in one script."""
    return number if any("A" <= c <= "Z" for c in number) else number.translate(PERSIAN)


@pytest.fixture
def completed(client_for, city, settings, tmp_path):
    """A file issued, its papers rendered, then completed: a permit, a bill and a completion certificate."""
    settings.MEDIA_ROOT = tmp_path
    app = client_for("operator1").post("/api/v1/applications/", request_body(good_parcel(city)),
                                       format="json").json()
    approve_all(client_for, app["id"])
    pay_in_cash(client_for, app["id"], "R-PUB-1")
    from panjereh.core import consumers

    consumers.run_once("test-worker")  # the worker raises the connection trenches (an outbox consumer)
    supervise_to_completion(app["id"])
    assert client_for("signer").post(f"/api/v1/applications/{app['id']}/completion/",
                                     {"reason": "انشعاب‌ها در حال نصب است"}, format="json").status_code == 201
    pdf.render_pending()
    return Application.objects.get(pk=app["id"])


def _papers(app):
    permit = Permit.objects.get(application=app)
    bill = Bill.objects.filter(application=app).first()
    certificate = CompletionCertificate.objects.get(application=app)
    return [("permit", f"/verify/{permit.verification_code}/", permit),
            ("bill", f"/verify/bill/{bill.verification_code}/", bill),
            ("completion", f"/verify/completion/{certificate.verification_code}/", certificate)]


def test_the_verify_pages_in_the_layout_and_the_readers_language_compare_the_pdf_you_hold(completed):
    """Before: no layout, the permit number reversed ("000357-1405") in Latin digits, an English sentence on
    a Persian page, and the hash left to be compared by eye."""
    for kind, url, paper in _papers(completed):
        reader = Client()
        page = reader.get(url).content.decode()
        assert 'class="site-header' in page and 'lang="fa"' in page and 'id="compare"' in page, kind
        if kind == "permit":
            assert f'<bdi dir="ltr">{shown(paper.number)}</bdi>' in page
        assert completed.tracking_code not in page  # the paper, not the file behind it
        with open(pdf.settings.MEDIA_ROOT / paper.pdf_file, "rb") as handle:
            original = handle.read()
        same = reader.post(url, {"pdf": SimpleUploadedFile("held.pdf", original, "application/pdf")})
        assert same.status_code == 200 and 'data-same="1"' in same.content.decode(), kind
        forged = original.replace(b"%PDF-", b"%PDF-", 1) + b"\n% one byte more"
        other = reader.post(url, {"pdf": SimpleUploadedFile("held.pdf", forged, "application/pdf")})
        assert 'data-same="0"' in other.content.decode() and "همان سند نیست" in other.content.decode()
        empty = reader.post(url, {})
        assert empty.status_code == 400 and 'id="compare-error"' in empty.content.decode()
        # in the reader's language
        english = Client()
        english.cookies["django_language"] = "en"
        in_english = english.get(url).content.decode()
        assert 'lang="en"' in in_english and "Compare the PDF you hold" in in_english
        if kind == "permit":
            assert f'<bdi dir="ltr">{paper.number}</bdi>' in in_english
    nothing = Client().get("/verify/no-such-code/")
    assert nothing.status_code == 404 and "هیچ سندی صادر نشده" in nothing.content.decode()
    assert "No permit was issued" not in nothing.content.decode()


def test_no_public_output_names_a_file_or_a_person(completed, client_for):
    """Before: the WZDx feed published the file's tracking code in the title of every connection trench."""
    raised = Works.objects.filter(connection_order__application=completed)
    assert raised.exists()
    Works.objects.filter(pk__in=raised).update(status=Works.Status.PERMITTED)
    applicant = completed.applicant
    secrets = [completed.tracking_code, applicant.national_id, completed.applicant_mobile, completed.applicant_name]
    outputs = {"wzdx": Client().get("/api/v1/works/feed/wzdx/")}
    for url in ("/indicators/", "/indicators/data.json", "/indicators/data.csv"):
        outputs[url] = Client().get(url)
    for kind, url, _paper in _papers(completed):
        outputs[kind] = Client().get(url)
    assert outputs["wzdx"].status_code == 200
    feed = json.loads(outputs["wzdx"].content)
    assert any("انشعاب" in f["properties"]["core_details"]["name"] for f in feed["features"])
    for name, response in outputs.items():
        assert response.status_code == 200, name
        body = response.content.decode()
        leaked = [s for s in secrets if s and s in body]
        assert leaked == [], (name, leaked)
    # a trench whose stored title still carries a code (made before this rule) is published without it
    Works.objects.filter(pk__in=raised).update(title=f"انشعاب آب — {completed.tracking_code}")
    assert completed.tracking_code not in Client().get("/api/v1/works/feed/wzdx/").content.decode()
