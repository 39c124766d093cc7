"""State changes of the indicators: only their calendar table (the figures themselves are read, not stored)."""

import datetime

from django.db import IntegrityError, connection

from panjereh.indicators.measures import WorkingDays, jalali_month
from panjereh.indicators.models import CalendarDay
from panjereh.core import service_tx


def calendar_rows(first: datetime.date, last: datetime.date) -> list[tuple[datetime.date, str, int]]:
    """(date, Jalali month, running working-day count) for every date from ``first`` to ``last``."""
    counter = WorkingDays(first, last)
    days = [first + datetime.timedelta(days=n) for n in range((last - first).days + 1)]
    return [(day, jalali_month(day), int(counter.cumulative[n])) for n, day in enumerate(days)]


def refresh_calendar(first: datetime.date, last: datetime.date) -> bool:
    """Make the calendar table hold exactly the calendar of ``first`` … ``last`` (a new decision extends it, a
    closure day added by the administrator changes the counts); return whether it was rewritten. Reading it
    back (about 800 rows for two years) is how a dashboard learns that nothing changed."""
    rows = calendar_rows(first, last)
    if list(CalendarDay.objects.values_list("day", "month", "working_index")) == rows:
        return False
    try:
        with service_tx.atomic():
            CalendarDay.objects.all().delete()
            CalendarDay.objects.bulk_create([CalendarDay(day=d, month=m, working_index=w) for d, m, w in rows])
            if connection.vendor == "postgresql":  # the planner's statistics of the new rows, at once
                with connection.cursor() as cursor:
                    cursor.execute(f"ANALYZE {CalendarDay._meta.db_table}")
    except IntegrityError:
        # another request rewrote it at the same moment, from the same rules: its rows are these rows
        return False
    return True
