"""Public tracking of a file by its tracking code and the applicant's mobile: one lookup and one limit, asked by
the tracking page (``/track/``) and the API (``/api/v1/track/<code>/``) alike.

The limit is per client address and shared by both doors, so a guesser who switches from the page to the API
does not get a second budget. A wrong code and a wrong mobile answer the same, so neither can be guessed apart."""

from panjereh.core.counters import count
from panjereh.core.text import normalize_digits
from panjereh.permits.models import Application

LOOKUPS_PER_MINUTE = 30  # per client address, the page and the API together


def too_many(client_address: str) -> bool:
    """Count one lookup from ``client_address``; True once it is past the minute's limit."""
    return count(f"track:{client_address}", 60) > LOOKUPS_PER_MINUTE


def normalize_code(code: str) -> str:
    """A tracking code as typed (Persian digits, lower case, spaces) as it is stored."""
    return normalize_digits(code or "").strip().upper()


def find(code: str, mobile: str) -> Application | None:
    """The file with this tracking code whose applicant gave this (already validated) mobile, or None."""
    return Application.objects.filter(tracking_code=normalize_code(code), applicant_mobile=mobile).first()
