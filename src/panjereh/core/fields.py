"""API fields that accept Persian and Arabic digits and letter variants (normalised, not refused)."""

import re

from rest_framework import serializers

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
