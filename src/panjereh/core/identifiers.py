"""Iranian identifiers and their validation (rules and test vectors in DOMAIN.md).

Each validator takes raw input (any digits, stray spaces or dashes), returns the
canonical form, and raises :class:`InvalidIdentifier` naming what is wrong.
"""

import re

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from panjereh.core.text import Localized, normalize_digits


ASCII_DIGITS = re.compile(r"[0-9]+")
# For the API's schema: what the validators below accept, in any of the three digit sets (spaces and dashes
# between digits are also accepted and dropped; the schema shows the plain form).
DIGIT = "[0-9۰-۹٠-٩]"
NATIONAL_ID_PATTERN = f"^{DIGIT}{{8,11}}$"
MOBILE_PATTERN = f"^(\\+98|0098|98|0|۰|٠)?[9۹٩]{DIGIT}{{9}}$"


class InvalidIdentifier(ValueError):
    """An identifier that fails its format or check digit; the message is a sentence in the active language."""


# The identifiers' names as a person reads them (the messages below name the field).
NAMES = {"national_id": gettext_lazy("the national ID"), "legal_id": gettext_lazy("the legal-entity national ID"),
         "postal_code": gettext_lazy("the postal code"), "mobile": gettext_lazy("the mobile number")}


def _digits_only(value, field: str) -> str:
    text = normalize_digits(str(value or "")).strip().replace("-", "").replace(" ", "")
    if not text:
        raise InvalidIdentifier(_("%(field)s is empty.") % Localized({"field": NAMES[field]}))
    # ASCII, Persian and Arabic-Indic digits only (the last two are already ASCII here): str.isdigit() would
    # also pass ² or fullwidth and Devanagari digits, which int() then reads or refuses unpredictably.
    if not ASCII_DIGITS.fullmatch(text):
        raise InvalidIdentifier(_("%(field)s may contain digits only; «%(value)s» has other characters.")
                                % Localized({"field": NAMES[field], "value": value}))
    return text


def validate_national_id(value, *, refuse_repeated: bool = True) -> str:
    """Validate a 10-digit national ID (کد ملی); 8–9 digits are left-padded with zeros."""
    code = _digits_only(value, "national_id")
    if not 8 <= len(code) <= 10:
        raise InvalidIdentifier(_("The national ID must have 10 digits; %(count)s were given.")
            % Localized({"count": len(code)}))
    code = code.zfill(10)
    if code[3:9] == "000000":
        raise InvalidIdentifier(_("The national ID is not valid: digits 4 to 9 are all zero."))
    if refuse_repeated and len(set(code)) == 1:
        raise InvalidIdentifier(_("The national ID is not valid: all its digits are the same."))
    remainder = sum(int(code[i]) * (10 - i) for i in range(9)) % 11
    check = remainder if remainder < 2 else 11 - remainder
    if check != int(code[9]):
        raise InvalidIdentifier(_("The national ID is not valid: its check digit is wrong."))
    return code


_LEGAL_WEIGHTS = (29, 27, 23, 19, 17)


def validate_legal_id(value) -> str:
    """Validate an 11-digit legal-entity national ID (شناسه ملی)."""
    code = _digits_only(value, "legal_id")
    if len(code) != 11:
        raise InvalidIdentifier(_("The legal-entity national ID must have 11 digits; %(count)s were given.")
                                % Localized({"count": len(code)}))
    d = int(code[9]) + 2
    total = sum((d + int(code[i])) * _LEGAL_WEIGHTS[i % 5] for i in range(10)) % 11
    if total == 10:
        total = 0
    if total != int(code[10]):
        raise InvalidIdentifier(_("The legal-entity national ID is not valid: its check digit is wrong."))
    return code


_POSTAL = re.compile(r"^(?!(\d)\1{3})[13-9]{5}\d{5}$", re.ASCII)


def validate_postal_code(value) -> str:
    """Validate a 10-digit postal code (no 0 or 2 in the first five digits, no four repeats at the start)."""
    code = _digits_only(value, "postal_code")
    if len(code) != 10:
        raise InvalidIdentifier(_("The postal code must have 10 digits; %(count)s were given.")
            % Localized({"count": len(code)}))
    if not _POSTAL.match(code):
        raise InvalidIdentifier(_("The postal code is not valid: its first five digits may not contain 0 or 2 "
                                  "nor start with four equal digits."))
    return code


_MOBILE = re.compile(r"^(?:\+98|98|0098|0)?(9\d{9})$", re.ASCII)


def validate_mobile(value) -> str:
    """Validate an Iranian mobile number; return it as 09xxxxxxxxx."""
    text = normalize_digits(str(value or "")).strip().replace(" ", "").replace("-", "")
    if not text:
        raise InvalidIdentifier(_("%(field)s is empty.") % Localized({"field": NAMES["mobile"]}))
    match = _MOBILE.match(text)
    if not match:
        raise InvalidIdentifier(_("«%(value)s» is not an Iranian mobile number (09xxxxxxxxx).")
            % Localized({"value": value}))
    return "0" + match.group(1)
