"""Persian text normalisation: one spelling for every letter and digit variant.

Input arrives typed on Persian, Arabic and Latin keyboards. Everything that is
stored or compared goes through :func:`normalize_text` (free text) or
:func:`normalize_digits` (numeric fields) first, so that "۱۲۳", "١٢٣" and "123"
are the same number and "علي" and "علی" the same name.
"""

import numbers
import re

from django.utils.translation import gettext as _

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


_KEY_LETTERS = str.maketrans({"أ": "ا", "إ": "ا", "ٱ": "ا", "ۀ": "ه", "ؤ": "و", "\u200c": " ", "\u200d": None})


def search_key(value) -> str:
    """The form of a name that search compares, never the form stored: the same for «زیرک‌زاده» and
    «زیرک زاده», «ايرنا» and «ایرنا», «١٦ آذر» and «۱۶ آذر» and «16 آذر», with or without a tatweel."""
    text = normalize_text(value).translate(_KEY_LETTERS)
    return _SPACES.sub(" ", text).strip().casefold()


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


def parse_float(value) -> float:
    """Parse a decimal number typed in any digits (٫ or . as the decimal point); ValueError quoting the input."""
    if isinstance(value, bool):
        raise ValueError(_("«%(value)s» is not a number.") % Localized({"value": value}))
    text = normalize_text(value if isinstance(value, str) else str(value)).replace("٫", ".").replace(",", "")
    if not re.fullmatch(r"[+-]?[0-9]*\.?[0-9]+", text):
        raise ValueError(_("«%(value)s» is not a number.") % Localized({"value": value}))
    return float(text)


def parse_int(value) -> int:
    """Parse an integer typed in any digits; ValueError quoting the input when it is not one."""
    text = normalize_text(value if isinstance(value, str) else str(value)).replace(",", "").replace("٬", "")
    if not re.fullmatch(r"[+-]?[0-9]+", text):
        raise ValueError(_("«%(value)s» is not a whole number.") % Localized({"value": value}))
    return int(text)


_PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
FSI, PDI = "\u2068", "\u2069"  # Unicode's first-strong isolate and its end


def persian_digits(value) -> str:
    """A number or text with its ASCII digits written as Persian digits (۰–۹)."""
    return str(value).translate(_PERSIAN_DIGITS)


def local_value(value) -> str:
    """A value as a sentence in the active language shows it. In Persian: numbers with Persian digits, ٬
    between thousands and ٫ as the decimal point, and other text (codes, quoted input) isolated, so that the
    right-to-left sentence cannot reverse "1405-000001" or a quoted Latin value. In English: as it is."""
    from django.utils.functional import Promise
    from django.utils.translation import get_language

    persian = (get_language() or "fa") == "fa"
    if isinstance(value, bool) or isinstance(value, Promise):
        return str(value)
    if isinstance(value, numbers.Integral):  # numpy's integers too: an import's feature numbers are numpy's
        text = f"{int(value):,}"
        return text.replace(",", "٬").translate(_PERSIAN_DIGITS) if persian else text
    if isinstance(value, numbers.Real):
        # never scientific notation ("3.466e+06"): a length or an area is read by a clerk, not a physicist
        text = f"{float(value):,.6f}".rstrip("0").rstrip(".")
        return text.replace(",", "٬").replace(".", "٫").translate(_PERSIAN_DIGITS) if persian else text
    return f"{FSI}{value}{PDI}" if persian else str(value)


class Localized(dict):
    """The parameters of a translated message, each shown by :func:`local_value`:
    ``_("… %(count)s …") % Localized({"count": 3})``."""

    def __getitem__(self, key):
        return local_value(super().__getitem__(key))


def in_both(message, **values) -> dict:
    """``{"fa": …, "en": …}``: a catalogue message rendered in Persian and in English, for the answers stored once
    and read in either language (feasibility, zoning problems, an incident's problems). A value given as
    ``{"fa": …, "en": …}`` is taken in each language (a service's name); the others are shown as given."""
    from django.utils import translation

    out = {}
    for language in ("fa", "en"):
        with translation.override(language):
            out[language] = str(message) % {k: v[language] if isinstance(v, dict) else v for k, v in values.items()}
    return out
