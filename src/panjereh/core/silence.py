"""Deemed approval by silence: the one rule for the single window's reviews and street works' excavation permits.

A request is past due once its due date — the last working day to answer, counted in Tehran's calendar
(``core.calendar``) — is over, that is from the next local day; the switch to "deemed" happens once, by a
conditional update on the status it was waiting in, so a decision taken at the same moment wins or loses whole.
Which agencies' silence counts is each app's (an agency's ``silence_means_approval``; excavation permits always)."""

import datetime

from django.db.models import QuerySet

from panjereh.core.calendar import local_date


def past_due(waiting: QuerySet, now: datetime.datetime, *, due_field: str = "due_date") -> QuerySet:
    """The requests of ``waiting`` whose due date is over at ``now`` (Tehran's day)."""
    return waiting.filter(**{f"{due_field}__lt": local_date(now)})


def deem(one: QuerySet, *, waiting_status: str, **changes) -> bool:
    """Switch the one request of ``one`` from ``waiting_status`` with ``changes``; False if it had moved meanwhile."""
    return one.filter(status=waiting_status).update(**changes) == 1
