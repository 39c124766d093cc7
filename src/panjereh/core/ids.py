"""Row ids as addresses carry them: a positive whole number (typed in any digits) that fits the databases'
64-bit keys. Anything else is "no such row" — a 404 — never an overflow inside a raw statement (a 500)."""

from panjereh.core.text import normalize_digits

MAX_ID = 2**63 - 1


def parse_id(value) -> int:
    """The id in ``value``; ValueError when it is not one any table could hold."""
    text = normalize_digits(str(value)).strip()
    if not text.isascii() or not text.isdigit() or len(text) > 19:
        raise ValueError(f"not an id: {value!r}")
    number = int(text)
    if not 0 < number <= MAX_ID:
        raise ValueError(f"not an id: {value!r}")
    return number


def id_or_zero(value) -> int:
    """The id in a form's field, or 0 (which no row has) when it is not one: a lookup then finds nothing."""
    try:
        return parse_id(value)
    except ValueError:
        return 0


class IdConverter:
    """``<id:pk>`` in an address: like ``<int:pk>`` but only what a 64-bit key can be (else the address does
    not match: 404)."""

    regex = "[0-9]{1,19}"

    def to_python(self, value):
        return parse_id(value)

    def to_url(self, value):
        return str(value)
