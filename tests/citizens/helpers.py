"""Acting as a citizen from home in tests: the code read from the fake SMS provider, documents made here."""

import io
import re

from panjereh.sms import delivery


def send_outbox():
    """The worker's pass over the text messages (what `panjereh worker` does continuously)."""
    for _ in range(5):
        if not delivery.run_once("test-worker"):
            return


def last_code(fake_sms, mobile: str) -> str:
    """The one-time code in the last text message the person received."""
    send_outbox()
    texts = [m["message"] for m in fake_sms.sent(mobile)]
    codes = [re.search(r"\b(\d{6})\b", t) for t in texts]
    codes = [c.group(1) for c in codes if c]
    assert codes, texts
    return codes[-1]


def pdf_bytes(text: str = "سند") -> bytes:
    """A small, real, one-page PDF."""
    import pypdf

    writer = pypdf.PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.add_metadata({"/Title": text})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def encrypted_pdf_bytes() -> bytes:
    import pypdf

    writer = pypdf.PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.encrypt("secret")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def upload(name: str, content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content)
