"""API fields that accept Persian and Arabic digits and letter variants (normalised, not refused)."""

from rest_framework import serializers

from panjereh.core.text import normalize_digits, normalize_text


class IntegerField(serializers.IntegerField):
    def to_internal_value(self, data):
        if isinstance(data, str):
            data = normalize_digits(data).strip().replace(",", "").replace("٬", "")
        return super().to_internal_value(data)


class FloatField(serializers.FloatField):
    def to_internal_value(self, data):
        if isinstance(data, str):
            data = normalize_digits(data).strip().replace("٫", ".").replace(",", "")
        return super().to_internal_value(data)


class TextField(serializers.CharField):
    def to_internal_value(self, data):
        return normalize_text(super().to_internal_value(data))
