"""The papers Panjereh issues — the permit certificate, the bill, the completion certificate — as PDFs
rendered on the server when they issue and kept unchanged with their SHA-256, so that a bank, a notary or an
agency can check a printed paper against the original at its public verify address (behind its QR code).

WeasyPrint renders the same HTML the browser prints (``permits/certificate.html``) with the served Vazirmatn
font; Pango and HarfBuzz shape the Persian text (joined letters, right to left). Fonts and images are read
from Panjereh's own static files, never from the network.
"""

import contextlib
import contextvars
import hashlib
import logging
import mimetypes
import secrets

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation

log = logging.getLogger(__name__)
PDF_FONT_CSS = ('@font-face { font-family: Vazirmatn; font-weight: 400; '
                'src: url("/static/vendor/vazirmatn-ttf/Vazirmatn-Regular.ttf"); } '
                '@font-face { font-family: Vazirmatn; font-weight: 700; '
                'src: url("/static/vendor/vazirmatn-ttf/Vazirmatn-Bold.ttf"); }')


def _static_file(url: str) -> tuple[bytes, str]:
    """The bytes and type of one of Panjereh's static files named by ``url``; anything else is refused."""
    prefix = "file:///static/" if url.startswith("file:///static/") else settings.STATIC_URL
    if not url.startswith(prefix):
        raise ValueError(f"the PDF may only use Panjereh's own static files, not {url}")
    path = finders.find(url[len(prefix):].split("?")[0])
    if not path:
        raise ValueError(f"no static file {url}")
    with open(path, "rb") as handle:
        return handle.read(), mimetypes.guess_type(path)[0] or "application/octet-stream"


def _fetcher():
    """WeasyPrint's URL fetcher, reading Panjereh's static files from disk and nothing else (no network)."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticOnly(URLFetcher):
        def fetch(self, url, headers=None):
            body, mime = _static_file(url)
            return URLFetcherResponse(url, body=body, headers={"Content-Type": mime})

    return StaticOnly(allowed_protocols=["file"])


def render(template: str, context: dict) -> bytes:
    """A Persian HTML template rendered to PDF bytes."""
    import weasyprint

    with translation.override("fa"):
        html = render_to_string(template, {**context, "pdf": True, "pdf_font_css": PDF_FONT_CSS})
    return weasyprint.HTML(string=html, base_url="file:///", url_fetcher=_fetcher()).write_pdf()


def stored_pdf(paper, template: str, context: dict, prefix: str) -> tuple[str, str]:
    """The PDF of an issued paper (a :class:`permits.models.IssuedPaper`: permit, bill, completion
    certificate) as (storage name, SHA-256): rendered and stored once, the first time — never rendered again,
    so the stored bytes stay the original."""
    if paper.pdf_file:
        return paper.pdf_file, paper.pdf_sha256
    data = render(template, context)
    digest = hashlib.sha256(data).hexdigest()
    name = default_storage.save(f"{prefix}-{secrets.token_hex(4)}.pdf", ContentFile(data))
    model = type(paper)
    with transaction.atomic():
        # the first rendering wins: a second one, racing, is discarded and the first is served
        if model.objects.filter(pk=paper.pk, pdf_file="").update(pdf_file=name, pdf_sha256=digest) != 1:
            default_storage.delete(name)
            paper.refresh_from_db()
            return paper.pdf_file, paper.pdf_sha256
    paper.pdf_file, paper.pdf_sha256 = name, digest
    return name, digest


def permit_pdf(permit) -> tuple[str, str]:
    """The permit certificate's PDF (storage name, SHA-256)."""
    from panjereh.permits.certificate import certificate_context

    return stored_pdf(permit, "permits/certificate.html", certificate_context(permit),
                      f"permits/{permit.number.replace('/', '-')}")


def bill_pdf(bill) -> tuple[str, str]:
    """The bill's PDF as it was issued (storage name, SHA-256)."""
    from panjereh.permits.certificate import bill_context

    return stored_pdf(bill, "permits/bill_paper.html", bill_context(bill), f"bills/bill-{bill.pk}")


def completion_pdf(certificate) -> tuple[str, str]:
    """The completion certificate's PDF (storage name, SHA-256)."""
    from panjereh.permits.certificate import completion_context

    return stored_pdf(certificate, "permits/completion_paper.html", completion_context(certificate),
                      f"completions/{certificate.application.tracking_code}")


PAPERS = {"permit": permit_pdf, "bill": bill_pdf, "completion": completion_pdf}


def render_when_issued(kind: str, pk: int) -> None:
    """After the issuing transaction commits: render the paper's PDF now, so the original exists from the first
    moment; a failure is logged and the PDF is rendered at its first request instead."""
    from panjereh.permits.models import Bill, CompletionCertificate, Permit

    model = {"permit": Permit, "bill": Bill, "completion": CompletionCertificate}[kind]
    try:
        PAPERS[kind](model.objects.get(pk=pk))
    except Exception:  # noqa: BLE001 — a PDF problem must never undo a paid bill or an issued permit
        log.exception("%s %s: PDF not rendered at issue; it will be at its first request", kind, pk)


_on_request = contextvars.ContextVar("papers_rendered_on_request", default=False)


@contextlib.contextmanager
def rendered_on_request():
    """Papers issued inside this block are rendered at their first request, not when they issue.

    For the demo history's hundreds of past papers: rendering them all would be minutes of a fresh
    `make run` spent on PDFs nobody may ever open. The first rendering is still the one kept."""
    token = _on_request.set(True)
    try:
        yield
    finally:
        _on_request.reset(token)


def after_commit(kind: str, pk: int) -> None:
    """Render the paper's PDF once the caller's transaction has committed (unless :func:`rendered_on_request`)."""
    if _on_request.get():
        return
    transaction.on_commit(lambda: render_when_issued(kind, pk))
