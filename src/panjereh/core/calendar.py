"""Iranian working days: deadlines are counted in them.

Not working days: Fridays; Thursdays unless PANJEREH_THURSDAY_IS_WORKDAY; official holidays from the
``holidays`` package's Iran calendar (Islamic dates estimated for future years); and closure days the
governor declares (heat, dust), entered by an administrator as :class:`~panjereh.core.models.ClosureDay` — for
every city of the deployment, or for one. Each function takes the ``city`` (an id) whose offices' days count: a
file's deadlines are its city's; with no city, only the closures of every city count.
Dates are in Asia/Tehran; times are stored in UTC.
"""

import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
import jdatetime
from django.conf import settings
from django.db.models import Q

from panjereh.core.models import ClosureDay
from panjereh.core.text import normalize_digits

TEHRAN = ZoneInfo("Asia/Tehran")
FRIDAY, THURSDAY = 4, 3


@lru_cache(maxsize=16)
def _official(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("IR", years=[year])


def _closures(start: datetime.date, end: datetime.date, city: int | None = None) -> set[datetime.date]:
    days = ClosureDay.objects.filter(date__gte=start, date__lte=end)
    every = Q(city__isnull=True)
    return set(days.filter(every | Q(city_id=city) if city else every).values_list("date", flat=True))


def local_date(moment: datetime.datetime) -> datetime.date:
    """The date in Tehran of a (UTC) moment."""
    return moment.astimezone(TEHRAN).date()


def is_working_day(day: datetime.date, closures: set | None = None, city: int | None = None) -> bool:
    """Whether government offices work on ``day``."""
    if day.weekday() == FRIDAY:
        return False
    if day.weekday() == THURSDAY and not settings.PANJEREH_THURSDAY_IS_WORKDAY:
        return False
    if day in _official(day.year):
        return False
    if closures is None:
        closures = _closures(day, day, city)
    return day not in closures


def add_working_days(start: datetime.date, days: int, city: int | None = None) -> datetime.date:
    """The date ``days`` working days after ``start`` (the start day itself does not count)."""
    if days < 0:
        raise ValueError("days must not be negative")
    closures = _closures(start, start + datetime.timedelta(days=days * 3 + 60), city)
    day, left = start, days
    while left > 0:
        day += datetime.timedelta(days=1)
        if is_working_day(day, closures):
            left -= 1
    return day


def closures_between(start: datetime.date, end: datetime.date, city: int | None = None) -> set[datetime.date]:
    """The declared closure days in a period: read once, for callers that count many periods in it."""
    return _closures(start, end, city)


def working_days_between(start: datetime.date, end: datetime.date, closures: set | None = None,
                         city: int | None = None) -> int:
    """How many working days lie after ``start`` up to and including ``end``. ``closures`` (from
    :func:`closures_between` over a period covering this one) saves a query per call in a loop."""
    if end <= start:
        return 0
    closures = _closures(start, end, city) if closures is None else closures
    return sum(1 for n in range(1, (end - start).days + 1)
               if is_working_day(start + datetime.timedelta(days=n), closures))


def last_start_beyond(end: datetime.date, days: int, city: int | None = None) -> datetime.date:
    """The latest start date from which more than ``days`` working days have passed by ``end``: anything
    started on it or before is past a ``days``-working-day deadline. Lets a page filter overdue rows in the
    database (``created_at`` before the end of that day) instead of counting each row's days in Python."""
    closures = _closures(end - datetime.timedelta(days=days * 3 + 60), end, city)
    day, counted = end, 0
    while counted <= days:
        if is_working_day(day, closures):
            counted += 1
        day -= datetime.timedelta(days=1)
    return day


def day_bounds(first: datetime.date, last: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """The moments [start of ``first``, start of the day after ``last``) in Tehran: a Tehran-dated period as a
    range the database can filter stored UTC times by."""
    start = datetime.datetime.combine(first, datetime.time.min, tzinfo=TEHRAN)
    end = datetime.datetime.combine(last + datetime.timedelta(days=1), datetime.time.min, tzinfo=TEHRAN)
    return start, end


def deadline_moment(day: datetime.date) -> datetime.datetime:
    """The end of a working day in Tehran, as an aware datetime: when a deadline on ``day`` has passed."""
    return datetime.datetime.combine(day, datetime.time(23, 59, 59), tzinfo=TEHRAN)


def jalali(day: datetime.date | datetime.datetime | None) -> str:
    """A date (or moment, shown in Tehran) in the Jalali calendar, as 1405/09/07."""
    if day is None:
        return ""
    if isinstance(day, datetime.datetime):
        day = local_date(day)
    return jdatetime.date.fromgregorian(date=day).strftime("%Y/%m/%d")


def jalali_moment(moment: datetime.datetime | None) -> str:
    """A moment in Tehran as Jalali date and time, 1405/09/07 14:30 (an incident's hours matter, not only its day)."""
    if moment is None:
        return ""
    local = moment.astimezone(TEHRAN)
    return f"{jalali(local.date())} {local:%H:%M}"


def jalali_year(day: datetime.date) -> int:
    return jdatetime.date.fromgregorian(date=day).year


def parse_day(text: str) -> datetime.date | None:
    """A date typed as Jalali (۱۴۰۵/۰۹/۰۸, any digits) or ISO Gregorian (2026-11-29); None if neither."""
    raw = normalize_digits(text or "").strip().replace("-", "/")
    parts = raw.split("/")
    if len(parts) != 3 or not all(p.isascii() and p.isdigit() for p in parts):
        return None
    year, month, day = (int(p) for p in parts)
    try:
        if year < 1700:
            return jdatetime.date(year, month, day).togregorian()
        return datetime.date(year, month, day)
    except ValueError:
        return None


def parse_moment(text: str) -> datetime.datetime | None:
    """A moment typed as a date (Jalali or ISO, as :func:`parse_day`) and a Tehran time ``HH:MM`` after a space
    or a ``T`` (the browser's datetime field); None if it is neither."""
    raw = normalize_digits(text or "").strip().replace("T", " ")
    day_text, _sep, time_text = raw.partition(" ")
    day = parse_day(day_text)
    if day is None:
        return None
    hours, _c, minutes = (time_text.strip() or "00:00").partition(":")
    try:
        moment = datetime.time(int(hours), int(minutes[:2] or 0))
    except ValueError:
        return None
    return datetime.datetime.combine(day, moment, tzinfo=TEHRAN)
