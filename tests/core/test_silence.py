"""Issue 27 item 10: one rule of deemed approval by silence (core.silence) for the single window's reviews and
street works' permits: past due from the next day in Tehran, switched once."""

import datetime
import zoneinfo

import pytest

from panjereh.core import silence
from panjereh.permits import services
from panjereh.permits.models import ReviewTask
from tests.permits.helpers import good_parcel, request_body

pytestmark = pytest.mark.django_db


def test_past_due_is_counted_in_tehrans_day_and_deemed_once(city):
    body = request_body(good_parcel(city))
    app = services.submit_application(actor=None, parcel=good_parcel(city), applicant=body["applicant"],
                                      permit=body["permit"], services=body["services"])
    task = ReviewTask.objects.filter(application=app, status="pending").first()
    # 21:00 UTC on 1 March is 00:30 on 2 March in Tehran: a task due on 1 March is past due there already
    late_evening = datetime.datetime(2026, 3, 1, 21, 0, tzinfo=datetime.UTC)
    ReviewTask.objects.filter(pk=task.pk).update(due_date=datetime.date(2026, 3, 1))
    waiting = ReviewTask.objects.filter(pk=task.pk, status="pending")
    assert list(silence.past_due(waiting, late_evening)) == [task]
    assert list(silence.past_due(waiting, late_evening - datetime.timedelta(hours=1))) == []  # 23:30 in Tehran
    assert late_evening.astimezone(zoneinfo.ZoneInfo("Asia/Tehran")).day == 2
    one = ReviewTask.objects.filter(pk=task.pk)
    assert silence.deem(one, waiting_status="pending", status="deemed_approved") is True
    assert silence.deem(one, waiting_status="pending", status="deemed_approved") is False  # once
