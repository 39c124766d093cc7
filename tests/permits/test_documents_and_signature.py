"""Issue 25, items 3, 4, 16 and 17: one model of a file's documents (who provided each, originals seen at the
counter with who and when, staff uploads on the file page, an "answer attachment / other" kind, no permit
while a required document is missing or excused); papers signed by a named official, never a username, and
the signer's page where the city has permits wait for a signature; a pixel cap read from the header; a cap on
documents per kind and per file."""

import struct
import zlib

import pytest
from django.template.loader import render_to_string
from django.test import Client

from panjereh.agencies.models import Agency
from panjereh.permits import pdf, services
from panjereh.permits.paper_contexts import bill_context, certificate_context
from panjereh.permits.models import Application, FileDocument, Permit
from tests.citizens.helpers import pdf_bytes, upload
from tests.conftest import user
from tests.permits.helpers import approve_all, good_parcel, pay_in_cash, request_body

pytestmark = pytest.mark.django_db


def _open(client_for, city, **overrides):
    r = client_for("operator1").post("/api/v1/applications/", request_body(good_parcel(city), **overrides),
                                     format="json")
    assert r.status_code == 201, r.json()
    return Application.objects.get(pk=r.json()["id"])


def signed_in(username):
    client = Client()
    client.force_login(user(username))
    return client


def test_originals_seen_at_the_counter_are_documents_of_the_file_with_who_and_when(client_for, city):
    """Before: the counter's ticks were kept as codes and ignored: the file said "still to upload" for ever."""
    app = _open(client_for, city)
    seen = FileDocument.objects.filter(application=app, source="seen")
    assert sorted(seen.values_list("kind", flat=True)) == sorted(request_body(good_parcel(city))["permit"]["documents"])
    assert all(d.uploaded_by.username == "operator1" and d.uploaded_at for d in seen)
    assert services.missing_documents(app) == []
    page = signed_in("operator1").get(f"/files/{app.pk}/").content.decode()
    assert 'id="missing"' not in page and 'data-source="seen"' in page and "مریم کریمی" in page


def test_no_permit_while_a_required_document_is_missing_or_until_the_signer_excuses_it(client_for, city):
    """Before: a permit issued with every required document missing."""
    app = _open(client_for, city, permit__documents=["ownership_deed", "national_card"])
    approve_all(client_for, app.pk)
    total = client_for("operator1").get(f"/api/v1/applications/{app.pk}/").json()["bills"][0]["total"]
    refused = client_for("operator1").post(f"/api/v1/applications/{app.pk}/payments/",
                                           {"provider": "cash", "amount": total, "reference": "D-1"}, format="json")
    assert refused.status_code == 409 and "نقشه" in refused.json()["error"]["message"]
    assert not Permit.objects.filter(application=app).exists()
    counter = signed_in("operator1")
    page = counter.get(f"/files/{app.pk}/").content.decode()
    assert 'id="missing"' in page and 'id="staff-upload"' in page and 'id="seen-documents"' in page
    assert 'id="pay-held"' in page and 'id="pay"' not in page  # no payment form for a bill that cannot be taken
    # the counter scans the survey map on the file page and records the drawings' original as seen
    done = counter.post(f"/files/{app.pk}/", {"action": "upload_document", "kind": "survey_map",
                                               "document": upload("map.pdf", pdf_bytes("نقشه"))}, follow=True)
    assert "مدارک پرونده به‌روز شد" in done.content.decode()
    assert FileDocument.objects.get(application=app, kind="survey_map").source == "counter"
    counter.post(f"/files/{app.pk}/", {"action": "seen_documents", "seen": ["design_drawings"]})
    assert services.missing_documents(app) == ["supervision_contract"]
    # only the signing official excuses the last one, with a reason
    assert counter.post(f"/files/{app.pk}/", {"action": "waive_document", "kind": "supervision_contract",
                                               "reason": "x"}).status_code == 403
    signer = signed_in("signer")
    empty = signer.post(f"/files/{app.pk}/", {"action": "waive_document", "kind": "supervision_contract",
                                              "reason": " "})
    assert empty.status_code == 200 and services.missing_documents(app) == ["supervision_contract"]
    signer.post(f"/files/{app.pk}/", {"action": "waive_document", "kind": "supervision_contract",
                                      "reason": "قرارداد ناظر در سامانه نظام مهندسی ثبت است"})
    assert services.missing_documents(app) == []
    assert "قرارداد ناظر در سامانه نظام مهندسی ثبت است" in counter.get(f"/files/{app.pk}/").content.decode()
    assert pay_in_cash(client_for, app.pk, "D-1")["status"] == "issued"


def test_an_agency_adds_a_document_and_an_answer_attachment_is_not_the_deeds_next_version(client_for, city):
    """Before: a citizen's answer attachment defaulted to "ownership deed" and became version 2 of the deed."""
    app = _open(client_for, city)
    water = signed_in("reviewer.water")
    water.post(f"/files/{app.pk}/", {"action": "upload_document", "kind": "other",
                                     "document": upload("test.pdf", pdf_bytes("آزمایش فشار"))})
    assert FileDocument.objects.get(application=app, kind="other").source == "agency"
    assert signed_in("reviewer.gas").post(f"/files/{app.pk}/", {
        "action": "upload_document", "kind": "other",
        "document": upload("x.pdf", pdf_bytes())}).status_code in {403, 404}  # gas has no task on this file
    client_for("reviewer.water").post(f"/api/v1/applications/{app.pk}/reviews/water/decision/",
                                      {"decision": "request_info", "info_request": "نامه"}, format="json")
    services.answer_info_request(actor=None, application=app, agency_code="water", answer="پیوست شد",
                                 document=upload("a.pdf", pdf_bytes("نامه")))
    attachment = FileDocument.objects.filter(application=app, answer_to__isnull=False).get()
    assert attachment.kind == "other" and attachment.source == "citizen"
    assert FileDocument.objects.filter(application=app, kind="ownership_deed").count() == 1


def test_documents_are_capped_per_kind_and_per_file(client_for, city, settings):
    """Before: 40 uploads of one kind accepted."""
    settings.PANJEREH_DOCUMENT_VERSIONS = 3
    settings.PANJEREH_DOCUMENTS_PER_FILE = 9
    app = _open(client_for, city)  # five originals seen
    for n in range(2):
        services.add_document(actor=user("operator1"), application=app, kind="ownership_deed",
                              upload=upload(f"{n}.pdf", pdf_bytes(str(n))))
    with pytest.raises(services.Conflict, match="۳"):
        services.add_document(actor=user("operator1"), application=app, kind="ownership_deed",
                              upload=upload("3.pdf", pdf_bytes("3")))
    for kind in ("soil_test", "power_of_attorney"):
        services.add_document(actor=user("operator1"), application=app, kind=kind, upload=upload("k.pdf", pdf_bytes()))
    with pytest.raises(services.Conflict, match="۹"):
        services.add_document(actor=user("operator1"), application=app, kind="other", upload=upload("o.pdf", pdf_bytes()))
    assert FileDocument.objects.filter(application=app).count() == 9  # older versions kept, and counted


def _png_header_only(width, height) -> bytes:
    """A PNG whose header claims ``width``×``height`` and whose pixels are a few kilobytes of zeros: the kind of
    file that costs hundreds of megabytes to decode."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    raw = zlib.compress(b"\x00" * (1 + width // 8) * 8, 9)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0))
            + chunk(b"IDAT", raw) + chunk(b"IEND", b""))


def test_an_image_of_too_many_pixels_is_refused_from_its_header(client_for, city):
    """Before: a 13000×13000 PNG of 640 KiB grew a worker by 620 MB."""
    import tracemalloc

    app = _open(client_for, city)
    bomb = _png_header_only(13000, 13000)
    tracemalloc.start()
    with pytest.raises(services.ApplicationError, match="پیکسل"):
        services.add_document(actor=user("operator1"), application=app, kind="other", upload=upload("b.png", bomb))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 20 * 1024 * 1024, peak  # nothing decoded
    assert not FileDocument.objects.filter(application=app, kind="other").exists()


def test_papers_carry_the_officials_name_and_title_never_a_username(client_for, city):
    """Before: the permit said "امضای الکترونیکی: reviewer.municipality"."""
    app = _open(client_for, city)
    approve_all(client_for, app.pk)
    pay_in_cash(client_for, app.pk, "S-1")
    permit = Permit.objects.get(application=app)
    assert permit.signed_by.username == "signer" and permit.signed_at
    html = render_to_string("permits/certificate.html", certificate_context(permit))
    assert "مهندس سارا موسوی" in html and "معاون شهرسازی" in html and "reviewer.municipality" not in html
    bill = app.bills.first()
    bill_html = render_to_string("permits/bill_paper.html", bill_context(bill))
    assert "مهندس سارا موسوی" in bill_html and ">signer<" not in bill_html and "مبلغ کل" in bill_html


def test_where_the_city_has_permits_wait_the_signer_signs_them_on_a_page(client_for, city, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    Agency.objects.filter(code="municipality").update(permits_await_signature=True)
    app = _open(client_for, city)
    approve_all(client_for, app.pk)
    pay_in_cash(client_for, app.pk, "S-2")
    permit = Permit.objects.get(application=app)
    assert permit.signed_at is None and app.connection_orders.exists()  # orders and tariff at issue, as ever
    assert Client().get(f"/verify/{permit.verification_code}/permit.pdf").status_code == 404  # no paper yet
    signer = signed_in("signer")
    page = signer.get("/signing/").content.decode()
    assert f'data-permit="{permit.pk}"' in page
    assert signed_in("operator1").get("/signing/").status_code == 403
    done = signer.post("/signing/", {"permit": permit.pk}, follow=True)
    assert "امضا شد" in done.content.decode() and f'data-permit="{permit.pk}"' not in done.content.decode()
    permit.refresh_from_db()
    assert permit.signed_by.username == "signer" and permit.signed_at
    pdf.render_pending()
    permit.refresh_from_db()
    assert permit.pdf_file


def test_the_worker_applies_the_deadlines_on_its_own(client_for, city, settings):
    """Before: only `panjereh deadlines` (run by nobody in `make run`) deemed a silent agency's task approved."""
    import datetime

    from django.core.cache import cache
    from django.utils import timezone

    from panjereh.integrations import delivery
    from panjereh.permits import deadlines
    from panjereh.permits.models import ReviewTask

    app = _open(client_for, city)
    ReviewTask.objects.filter(application=app, agency__code="water").update(
        due_date=timezone.now().date() - datetime.timedelta(days=20))
    settings.PANJEREH_DEADLINES_EVERY = 300
    cache.delete(deadlines.KEY)
    counts = delivery.run_once("test-worker")
    assert counts["deadlines_deemed_approved"] == 1
    assert ReviewTask.objects.get(application=app, agency__code="water").status == "deemed_approved"
    # once a period, whichever worker comes first
    assert "deadlines_deemed_approved" not in delivery.run_once("another-worker")
