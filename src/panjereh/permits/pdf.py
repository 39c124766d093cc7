"""The papers Panjereh issues — the permit certificate, the bill, the completion certificate — as PDFs
rendered on the server (by the worker, seconds after they issue: :func:`queue`, :func:`render_pending`) and
kept unchanged with their SHA-256, so that a bank, a notary or an agency can check a printed paper against the original at its public verify address (behind its QR code).

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

from panjereh.billing.models import Bill
from panjereh.permits.models import CompletionCertificate, PendingPaper, Permit
from panjereh.permits.paper_contexts import bill_context, certificate_context, completion_context

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


class NotSignedYet(LookupError):
    """A permit waiting on the signer's page has no paper yet: rendered now, its original would say "awaiting
    signature" for ever."""


def permit_pdf(permit) -> tuple[str, str]:
    """The permit certificate's PDF (storage name, SHA-256); NotSignedYet before it is signed."""
    if permit.signed_at is None:
        raise NotSignedYet(permit.number)

    return stored_pdf(permit, "permits/certificate.html", certificate_context(permit),
                      f"permits/{permit.number.replace('/', '-')}")


def bill_pdf(bill) -> tuple[str, str]:
    """The bill's PDF as it was issued (storage name, SHA-256)."""
    return stored_pdf(bill, "permits/bill_paper.html", bill_context(bill), f"bills/bill-{bill.pk}")


def completion_pdf(certificate) -> tuple[str, str]:
    """The completion certificate's PDF (storage name, SHA-256)."""
    return stored_pdf(certificate, "permits/completion_paper.html", completion_context(certificate),
                      f"completions/{certificate.application.tracking_code}")


PAPERS = {"permit": permit_pdf, "bill": bill_pdf, "completion": completion_pdf}
# A paper is tried at most this many times by the worker; after that its first request renders it (and says why
# not in the log), and `panjereh doctor` lists it.
RENDER_ATTEMPTS = 5
# How long a worker holds a paper it took: another worker takes it after this if the first one died rendering it.
CLAIM_SECONDS = 600


def _paper_models() -> dict:
    return {"permit": Permit, "bill": Bill, "completion": CompletionCertificate}


# Papers rendered in one pass of the worker: a PDF takes a few hundred ms, webhooks must not wait behind a burst.
PAPERS_PER_PASS = 5


# A failed paper waits this long before its next try, doubled at each failure: seconds at first, so a database
# restart delays papers by seconds, not by the claim's ten minutes.
BACKOFF_SECONDS = 15
# Failed papers whose release could not be written (the database was gone): {pk: (claimed_until, attempts,
# error)}, written at the start of the next pass. Only this process's claims are kept here; a conditional
# UPDATE never releases a claim another worker has taken since.
_unreleased: dict[int, tuple] = {}


def _backoff(attempts: int):
    from datetime import timedelta

    from django.utils import timezone

    return timezone.now() + timedelta(seconds=BACKOFF_SECONDS * 2 ** attempts)


def _release(pk: int, claimed_until, attempts: int, error: str) -> bool:
    """Give a failed paper back to the queue at once, with its back-off: the next try is due at its back-off,
    not at the end of the claim. The failure may have been the database itself (a restart, a dropped
    connection): the connection is then replaced and the release tried once more; if the database is still
    gone, the release waits in ``_unreleased`` for the next pass. Returns whether it was written."""
    from django.db import DatabaseError, connection

    for _ in range(2):
        try:
            PendingPaper.objects.filter(pk=pk, not_before=claimed_until).update(
                attempts=attempts, last_error=error, not_before=_backoff(attempts - 1))
            _unreleased.pop(pk, None)
            return True
        except DatabaseError:
            connection.close()  # a broken connection is not reused: the next query opens a new one
    _unreleased[pk] = (claimed_until, attempts, error)
    log.warning("paper %s: its claim could not be released yet (the database is unreachable)", pk)
    return False


def render_pending(limit: int = 20) -> dict:
    """The worker's pass over papers issued and not rendered yet (:class:`permits.models.PendingPaper`): render
    up to ``limit`` of them, oldest first. Returns counts {"rendered", "failed"}.

    A paper is claimed by moving its ``not_before`` forward with a conditional UPDATE, so two workers (on two
    servers) never render the same paper at once; a worker that dies mid-way leaves it to another after
    CLAIM_SECONDS. A failure releases the claim at once with a doubling back-off (see :func:`_release`), up to
    RENDER_ATTEMPTS tries."""
    from datetime import timedelta

    from django.utils import timezone

    for pk, (claimed_until, attempts, error) in list(_unreleased.items()):
        _release(pk, claimed_until, attempts, error)
    models_by_kind = _paper_models()
    counts = {"rendered": 0, "failed": 0}
    now = timezone.now()
    due = PendingPaper.objects.filter(not_before__lte=now, attempts__lt=RENDER_ATTEMPTS).order_by("not_before", "pk")
    for job in list(due[:limit]):
        claimed_until = now + timedelta(seconds=CLAIM_SECONDS)
        taken = PendingPaper.objects.filter(pk=job.pk, not_before=job.not_before).update(not_before=claimed_until)
        if taken != 1:  # another worker took it first
            continue
        try:
            paper = models_by_kind[job.kind].objects.filter(pk=job.object_id).first()
            if paper is not None:
                PAPERS[job.kind](paper)  # nothing is rendered when its first request already did it
        except Exception as exc:  # noqa: BLE001 — one paper's problem must not stop the others, nor the webhooks
            log.exception("%s: PDF not rendered (attempt %s)", job, job.attempts + 1)
            _release(job.pk, claimed_until, job.attempts + 1, f"{type(exc).__name__}: {exc}"[:1000])
            counts["failed"] += 1
            continue
        PendingPaper.objects.filter(pk=job.pk).delete()
        counts["rendered"] += 1
    return counts


def retry_given_up() -> int:
    """Papers the worker gave up on (RENDER_ATTEMPTS failures) back in its queue, e.g. once the storage is
    repaired (`panjereh outbox --retry-papers`). Returns how many."""
    from django.utils import timezone

    return PendingPaper.objects.filter(attempts__gte=RENDER_ATTEMPTS).update(attempts=0, not_before=timezone.now())


_on_request = contextvars.ContextVar("papers_rendered_on_request", default=False)


@contextlib.contextmanager
def rendered_on_request():
    """Papers issued inside this block are rendered at their first request, not by the worker.

    For the demo history's hundreds of past papers: rendering them all would be minutes of a fresh
    `make run` spent on PDFs nobody may ever open. The first rendering is still the one kept."""
    token = _on_request.set(True)
    try:
        yield
    finally:
        _on_request.reset(token)


def queue(kind: str, pk: int) -> None:
    """Queue the paper's PDF for the worker, in the caller's transaction (unless :func:`rendered_on_request`):
    it is rendered once the issue has committed, and never if the issue rolls back."""
    from django.utils import timezone

    if _on_request.get():
        return
    PendingPaper.objects.get_or_create(kind=kind, object_id=pk, defaults={"not_before": timezone.now()})
