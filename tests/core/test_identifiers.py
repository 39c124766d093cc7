import pytest

from panjereh.core.identifiers import (InvalidIdentifier, validate_legal_id, validate_mobile,
                                       validate_national_id, validate_postal_code)
from panjereh.core.text import normalize_text, parse_int

# The messages are read in English here; tests/core/test_messages.py checks their Persian.
pytestmark = pytest.mark.usefixtures("english")


@pytest.mark.parametrize("code", ["4608968882", "0499370899", "3974017844", "7730942860", "۴۶۰۸۹۶۸۸۸۲"])
def test_valid_national_ids(code):
    assert validate_national_id(code) == normalize_text(code)


def test_short_national_id_is_left_padded():
    assert validate_national_id("499370899") == "0499370899"


@pytest.mark.parametrize("code,reason", [("4608968872", "check digit"), ("1111111111", "same"),
                                         ("1230000001", "all zero"), ("12345", "10 digits"), ("46089x8882", "digits")])
def test_invalid_national_ids(code, reason):
    with pytest.raises(InvalidIdentifier, match=reason):
        validate_national_id(code)


def test_repeated_digits_allowed_when_configured():
    # 1111111111 passes the checksum; refusing it is a setting.
    assert validate_national_id("1111111111", refuse_repeated=False) == "1111111111"


def test_legal_id():
    assert validate_legal_id("10380284790") == "10380284790"
    with pytest.raises(InvalidIdentifier, match="check digit"):
        validate_legal_id("10380284791")


@pytest.mark.parametrize("raw", ["6134567890", "۶۱۳۴۵۶۷۸۹۰"])
def test_postal_code(raw):
    assert validate_postal_code(raw) == "6134567890"


@pytest.mark.parametrize("raw", ["6120567890", "1111567890", "613456789"])
def test_bad_postal_code(raw):
    with pytest.raises(InvalidIdentifier, match="postal code"):
        validate_postal_code(raw)


@pytest.mark.parametrize("raw", ["09121234567", "+989121234567", "00989121234567", "9121234567", "٠٩١٢١٢٣٤٥٦٧"])
def test_mobile(raw):
    assert validate_mobile(raw) == "09121234567"


def test_bad_mobile():
    with pytest.raises(InvalidIdentifier, match="mobile"):
        validate_mobile("0812345678")


def test_text_normalisation():
    assert normalize_text("  علي  كريمي ١٢٣ ") == "علی کریمی 123"
    assert normalize_text("می‌خواهم") == "می‌خواهم"  # the zero-width non-joiner stays
    assert parse_int("۱۲٬۰۰۰") == 12000
    with pytest.raises(ValueError, match="12a"):
        parse_int("12a")


def test_working_days_skip_fridays_thursdays_holidays_and_closures(db, settings):
    import datetime

    from panjereh.core.calendar import add_working_days, is_working_day, jalali, working_days_between
    from panjereh.core.models import ClosureDay

    settings.PANJEREH_THURSDAY_IS_WORKDAY = False
    saturday = datetime.date(2026, 12, 5)
    assert saturday.weekday() == 5
    assert add_working_days(saturday, 5) == datetime.date(2026, 12, 12)  # Sun–Wed, then past Thu/Fri to Sat
    assert not is_working_day(datetime.date(2026, 12, 11))  # Friday
    assert not is_working_day(datetime.date(2026, 2, 11))  # Islamic Revolution Day (22 Bahman)
    ClosureDay.objects.create(date=datetime.date(2026, 12, 7), reason_fa="گرد و غبار")
    assert add_working_days(saturday, 5) == datetime.date(2026, 12, 13)
    settings.PANJEREH_THURSDAY_IS_WORKDAY = True
    assert add_working_days(saturday, 5) == datetime.date(2026, 12, 12)
    assert working_days_between(saturday, datetime.date(2026, 12, 12)) == 5
    assert jalali(datetime.date(2026, 11, 28)) == "1405/09/07"
