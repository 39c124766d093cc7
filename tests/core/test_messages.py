"""The services' messages are sentences in the reader's language: Persian by default, English on request;
numbers in Persian digits with ٬ and ٫ on Persian pages, codes isolated so that the sentence cannot reorder them."""

import pytest
from django.utils import translation

from panjereh.core.identifiers import InvalidIdentifier, validate_mobile, validate_national_id, validate_postal_code
from panjereh.core.text import FSI, PDI, Localized, local_value


def message(call, *args):
    with pytest.raises(InvalidIdentifier) as caught:
        call(*args)
    return str(caught.value)


def test_identifier_messages_in_persian_and_english():
    with translation.override("fa"):
        assert message(validate_national_id, "4608968872") == "کد ملی معتبر نیست: رقم کنترل آن درست نیست."
        assert message(validate_national_id, "12345") == "کد ملی باید ۱۰ رقم باشد؛ ۵ رقم وارد شد."
        assert message(validate_postal_code, "") == "کد پستی خالی است."
    with translation.override("en"):
        assert message(validate_national_id, "4608968872") == "The national ID is not valid: its check digit is wrong."
        assert message(validate_national_id, "12345") == "The national ID must have 10 digits; 5 were given."


def test_a_quoted_value_keeps_its_order_inside_persian_text():
    with translation.override("fa"):
        text = message(validate_mobile, "0712-345")
    assert f"«{FSI}0712-345{PDI}»" in text and "شماره همراه ایرانی" in text


def test_numbers_are_written_as_the_page_language_writes_them():
    with translation.override("fa"):
        assert local_value(126000000) == "۱۲۶٬۰۰۰٬۰۰۰"
        assert local_value(314.25) == "۳۱۴٫۲۵"
        assert "%(n)s ریال" % Localized({"n": 1500}) == "۱٬۵۰۰ ریال"
    with translation.override("en"):
        assert local_value(126000000) == "126,000,000"
        assert local_value(314.25) == "314.25"
