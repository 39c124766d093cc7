"""The permit certificate as a PDF, rendered on the server when the permit issues and kept unchanged, with its
SHA-256, so that a bank, a notary or an agency can check a printed permit against the original at the
public verify address (behind the permit's QR code).

WeasyPrint renders the same HTML the browser prints (``permits/certificate.html``) with the served Vazirmatn
font; Pango and HarfBuzz shape the Persian text (joined letters, right to left). Fonts and images are read
from Panjereh's own static files, never from the network.
"""

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


def permit_pdf(permit) -> tuple[str, str]:
    """The permit's PDF (storage name, SHA-256): rendered and stored once, the first time it is asked for or
    when the permit issues; never rendered again (the stored bytes are the original)."""
    if permit.pdf_file:
        return permit.pdf_file, permit.pdf_sha256
    from panjereh.permits.models import Permit
    from panjereh.permits.certificate import certificate_context

    data = render("permits/certificate.html", certificate_context(permit))
    digest = hashlib.sha256(data).hexdigest()
    name = default_storage.save(f"permits/{permit.number.replace('/', '-')}-{secrets.token_hex(4)}.pdf",
                                ContentFile(data))
    with transaction.atomic():
        # the first rendering wins: a second one, racing, is discarded and the first is served
        if Permit.objects.filter(pk=permit.pk, pdf_file="").update(pdf_file=name, pdf_sha256=digest) != 1:
            default_storage.delete(name)
            permit.refresh_from_db()
            return permit.pdf_file, permit.pdf_sha256
    permit.pdf_file, permit.pdf_sha256 = name, digest
    return name, digest


def render_when_issued(permit_id: int) -> None:
    """After the issuing transaction commits: render the PDF now, so the original exists from the first
    moment; a failure is logged and the PDF is rendered at its first request instead."""
    from panjereh.permits.models import Permit

    try:
        permit_pdf(Permit.objects.get(pk=permit_id))
    except Exception:  # noqa: BLE001 — a PDF problem must never undo a paid, issued permit
        log.exception("permit %s: PDF not rendered at issue; it will be at its first request", permit_id)
