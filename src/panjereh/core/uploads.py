"""Files people upload (an applicant's documents, an inspector's photos): checked by their content, not their
name, then stored through Django's storage API under a new name every time, with their SHA-256.

What is accepted: PDF (not encrypted, and readable as a PDF), JPEG and PNG (decodable as an image), each
within a size limit. The content's type comes from its first bytes (``filetype``); a PDF is then opened with
``pypdf`` and an image with Pillow, so a file that only starts like one is refused too. Nothing is written
before every check has passed, and a stored object is never overwritten: a new version is a new object.
"""

import hashlib
import io
import secrets
from dataclasses import dataclass

import filetype
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils.translation import gettext as _

from panjereh.core.errors import FieldError
from panjereh.core.text import Localized

PDF, JPEG, PNG = "application/pdf", "image/jpeg", "image/png"
EXTENSIONS = {PDF: "pdf", JPEG: "jpg", PNG: "png"}
KIND_WORDS = {PDF: "PDF", JPEG: "JPEG", PNG: "PNG"}


class UploadError(FieldError):
    """An upload that is not kept (``field`` and a translated sentence naming what is wrong)."""


@dataclass(frozen=True)
class StoredFile:
    """Where an upload was stored (``name`` in the default storage), what it is, and its fingerprint."""

    name: str
    content_type: str
    size: int
    sha256: str


def max_bytes() -> int:
    """The largest upload accepted, in bytes (PANJEREH_UPLOAD_MAX_BYTES, 10 MB by default)."""
    return int(getattr(settings, "PANJEREH_UPLOAD_MAX_BYTES", 10 * 1024 * 1024))


def read(upload, field: str) -> bytes:
    """The upload's bytes, refused (UploadError) past the size limit without reading more than it."""
    buffer = io.BytesIO()
    spool(upload, field, buffer)
    return buffer.getvalue()


def spool(upload, field: str, handle) -> int:
    """Write the upload into the open binary file ``handle`` a chunk at a time (a large drawing is never whole in
    memory); its size, or UploadError past the size limit — having written no more than the limit."""
    limit = max_bytes()
    size = getattr(upload, "size", None)
    if size is not None and size > limit:
        raise UploadError(field, _("The file is %(size)s bytes; the largest accepted is %(limit)s bytes.")
                          % Localized({"size": size, "limit": limit}))
    total = 0
    for chunk in (upload.chunks() if hasattr(upload, "chunks") else [upload.read()]):
        total += len(chunk)
        if total > limit:
            raise UploadError(field, _("The file is larger than the largest accepted, %(limit)s bytes.")
                              % Localized({"limit": limit}))
        handle.write(chunk)
    handle.flush()
    return total


def _check_pdf(data: bytes, field: str) -> None:
    import pypdf
    from pypdf.errors import PdfReadError

    try:
        reader = pypdf.PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise UploadError(field, _("The PDF is protected with a password: upload it without the password, "
                                       "so the reviewers can open it."))
        if len(reader.pages) == 0:
            raise UploadError(field, _("The PDF has no pages."))
    except UploadError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, IndexError, OSError):
        raise UploadError(field, _("The file starts like a PDF but cannot be read as one: it is damaged or "
                                   "incomplete.")) from None


def max_pixels() -> int:
    """The largest image accepted, in pixels (PANJEREH_UPLOAD_MAX_PIXELS, 50 megapixels by default: a phone's
    photo of a deed is 12–50). A small PNG can claim 13000×13000 pixels and take 600 MB to decode; the size
    is read from the header, before a single pixel is decoded."""
    return int(getattr(settings, "PANJEREH_UPLOAD_MAX_PIXELS", 50_000_000))


def _check_image(data: bytes, field: str) -> None:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size  # from the header: nothing is decoded yet
            if width * height > max_pixels():
                raise UploadError(field, _("The image is %(width)s×%(height)s pixels; the largest accepted is "
                                           "%(limit)s pixels in all.")
                                  % Localized({"width": width, "height": height, "limit": max_pixels()}))
            image.verify()
        with Image.open(io.BytesIO(data)) as image:  # verify() does not decode the pixels; load() does
            image.load()
    except UploadError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise UploadError(field, _("The image is damaged or incomplete.")) from None


def check(upload, *, field: str = "file", allowed=(PDF, JPEG, PNG)) -> tuple[bytes, str]:
    """Read and check an upload; return its bytes and content type, or raise :class:`UploadError`."""
    data = read(upload, field)
    if not data:
        raise UploadError(field, _("The file is empty."))
    kind = filetype.guess_mime(data[:8192])
    if kind not in allowed:
        raise UploadError(field, _("Only these kinds of file are accepted: %(kinds)s; this file is not one of them "
                                   "(whatever its name says).")
                          % Localized({"kinds": "، ".join(KIND_WORDS[k] for k in allowed)}))
    if kind == PDF:
        _check_pdf(data, field)
    else:
        _check_image(data, field)
    return data, kind


def store(upload, *, prefix: str, field: str = "file", allowed=(PDF, JPEG, PNG)) -> StoredFile:
    """Check an upload and store it as a new object under ``prefix`` (never overwriting one)."""
    data, kind = check(upload, field=field, allowed=allowed)
    digest = hashlib.sha256(data).hexdigest()
    # the name carries the hash and a random part: two uploads never share a name, even of the same bytes
    wanted = f"{prefix.strip('/')}/{digest[:2]}/{digest}-{secrets.token_hex(4)}.{EXTENSIONS[kind]}"
    name = default_storage.save(wanted, ContentFile(data))
    return StoredFile(name=name, content_type=kind, size=len(data), sha256=digest)


def open_stored(name: str):
    """The stored object's file, for a download (the caller checks the reader may see it)."""
    return default_storage.open(name, "rb")
