"""API fields that accept Persian and Arabic digits and letter variants (normalised, not refused)."""

import re

from rest_framework import serializers

from panjereh.core.identifiers import MOBILE_PATTERN, NATIONAL_ID_PATTERN, InvalidIdentifier, validate_mobile
from panjereh.core.text import normalize_digits, normalize_text

# After Persian and Arabic-Indic digits become ASCII, a number is ASCII: other scripts' digits (fullwidth,
# Devanagari, superscripts) are refused, not read by int() as if they were ours.
_NUMBER = re.compile(r"[+-]?[0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?")


def _ascii_number(field, data: str) -> str:
    if not _NUMBER.fullmatch(data):
        field.fail("invalid")
    return data


class IntegerField(serializers.IntegerField):
    def to_internal_value(self, data):
        if isinstance(data, bool):
            self.fail("invalid")
        if isinstance(data, str):
            data = _ascii_number(self, normalize_digits(data).strip().replace(",", "").replace("٬", ""))
        return super().to_internal_value(data)


class FloatField(serializers.FloatField):
    def to_internal_value(self, data):
        if isinstance(data, bool):
            self.fail("invalid")
        if isinstance(data, str):
            data = _ascii_number(self, normalize_digits(data).strip().replace("٫", ".").replace(",", ""))
        return super().to_internal_value(data)


class TextField(serializers.CharField):
    def to_internal_value(self, data):
        return normalize_text(super().to_internal_value(data))


def _patterned(pattern: str, description: str):
    from drf_spectacular.utils import extend_schema_field

    return extend_schema_field({"type": "string", "pattern": pattern, "description": description})


def _identifier_patterns():
    return MOBILE_PATTERN, NATIONAL_ID_PATTERN


@_patterned(_identifier_patterns()[1], "کد ملی (10 digits, check digit) or شناسه ملی (11 digits, check digit); "
                                       "ASCII, Persian or Arabic-Indic digits")
class NationalIdField(serializers.CharField):
    """A national ID as typed (validated by the serializer, which knows whether it is a person or an entity)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 20)
        super().__init__(**kwargs)


@_patterned(_identifier_patterns()[0], "Iranian mobile number, 09xxxxxxxxx (also +98…, Persian digits)")
class MobileField(serializers.CharField):
    """An Iranian mobile number, validated and returned as 09xxxxxxxxx."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 20)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        try:
            return validate_mobile(super().to_internal_value(data))
        except InvalidIdentifier as exc:
            raise serializers.ValidationError(str(exc)) from exc
