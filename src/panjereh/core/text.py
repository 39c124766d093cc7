"""Persian text normalisation: one spelling for every letter and digit variant.

Input arrives typed on Persian, Arabic and Latin keyboards. Everything that is
stored or compared goes through :func:`normalize_text` (free text) or
:func:`normalize_digits` (numeric fields) first, so that "۱۲۳", "١٢٣" and "123"
are the same number and "علي" and "علی" the same name.
"""

import re

_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")
_LETTERS = str.maketrans({
    "ي": "ی",  # Arabic yeh
    "ى": "ی",  # Arabic alef maksura
    "ك": "ک",  # Arabic kaf
    "ة": "ه",  # teh marbuta, as typed on Arabic keyboards for Persian words
    "\u0640": None,  # tatweel: decoration only
    "\u200f": None,  # right-to-left mark
    "\u200e": None,  # left-to-right mark
    "\ufeff": None,  # byte-order mark
})
_SPACES = re.compile(r"[ \t\u00a0\u2009\u202f]+")


def normalize_digits(value: str) -> str:
    """Turn Persian (۰–۹) and Arabic-Indic (٠–٩) digits into ASCII digits."""
    return str(value).translate(_DIGITS)


def normalize_text(value: str | None) -> str:
    """Normalise letters and digits, collapse runs of spaces and trim.

    The zero-width non-joiner (نیم‌فاصله) is kept: it is part of Persian spelling.
    """
    if value is None:
        return ""
    text = normalize_digits(str(value)).translate(_LETTERS)
    return _SPACES.sub(" ", text).strip()


def parse_float(value, *, field: str) -> float:
    """Parse a decimal number typed in any digits (٫ or . as the decimal point); ValueError naming ``field``."""
    if isinstance(value, bool):
        raise ValueError(f"{field}: «{value}» is not a number")
    text = normalize_text(value if isinstance(value, str) else str(value)).replace("٫", ".").replace(",", "")
    if not re.fullmatch(r"[+-]?[0-9]*\.?[0-9]+", text):
        raise ValueError(f"{field}: «{value}» is not a number")
    return float(text)


def parse_int(value, *, field: str) -> int:
    """Parse an integer typed in any digits; raise ValueError naming ``field`` when it is not one."""
    text = normalize_text(value if isinstance(value, str) else str(value)).replace(",", "").replace("٬", "")
    if not re.fullmatch(r"[+-]?[0-9]+", text):
        raise ValueError(f"{field}: «{value}» is not a whole number")
    return int(text)
