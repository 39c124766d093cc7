"""Issue 25's dead ends at the agencies' desks, each with the test that failed before its fix:

1. the water company's connection orders: open and overdue first, in pages, filtered, installable;
2. the decide page: a refusal re-displayed stays a refusal, a decision is confirmed on a summary before it is
   final, a message says what was done, and an overdue task says overdue.
"""

import datetime
import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from panjereh.core.calendar import local_date
from panjereh.permits.models import Application, ConnectionOrder, ReviewTask
from tests.permits.helpers import approve_all, good_parcel, pay_in_cash, request_body

pytestmark = pytest.mark.django_db


def signed_in(username):
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    return client


def _copies(app, n, prefix):
    """``n`` copies of an issued file (same parcel and applicant, new tracking codes), written directly: a
    water company with hundreds of orders, without paying hundreds of bills in the test."""
    fields = {f.attname: getattr(app, f.attname) for f in Application._meta.concrete_fields if f.attname != "id"}
    rows = [Application(**{**fields, "tracking_code": f"{prefix}{i:07d}"}) for i in range(n)]
    return Application.objects.bulk_create(rows)


@pytest.fixture
def water_with_many_orders(client_for, city):
    """510 installed water orders (made first, so that sorting by status or id puts them ahead) and 120 open
    ones, 30 of which are two months old: overdue."""
    body = request_body(good_parcel(city))
    app = client_for("operator1").post("/api/v1/applications/", body, format="json").json()
    approve_all(client_for, app["id"])
    assert pay_in_cash(client_for, app["id"], "W-1")["status"] == "issued"
    real = ConnectionOrder.objects.filter(application_id=app["id"], agency__code="water").first()
    template = Application.objects.get(pk=app["id"])
    now = timezone.now()
    installed = _copies(template, 510, "I")
    ConnectionOrder.objects.bulk_create(
        ConnectionOrder(application=a, service_id=real.service_id, agency_id=real.agency_id, status="installed",
                        subscription_number=f"S-{n}", installed_at=now) for n, a in enumerate(installed))
    opened = _copies(template, 120, "O")
    orders = ConnectionOrder.objects.bulk_create(
        ConnectionOrder(application=a, service_id=real.service_id, agency_id=real.agency_id) for a in opened)
    ConnectionOrder.objects.filter(pk__in=[o.pk for o in orders[:30]]).update(
        created_at=now - datetime.timedelta(days=60))
    return {"open": ConnectionOrder.objects.filter(agency__code="water", status="ordered"),
            "old": [o.pk for o in orders[:30]], "installed": installed}


def _orders_on(page):
    return [int(n) for n in re.findall(r'data-order="(\d+)"', page)]


def test_the_water_company_sees_its_open_orders_first_in_pages_and_installs_one(water_with_many_orders):
    water = signed_in("reviewer.water")
    open_ids = set(water_with_many_orders["open"].values_list("pk", flat=True))
    assert len(open_ids) >= 120
    page = water.get("/connections/").content.decode()
    shown = _orders_on(page)
    assert len(shown) == 50 and set(shown) <= open_ids  # open only by default, one page of 50
    assert shown[:30] == sorted(water_with_many_orders["old"])  # the longest waiting at the top
    assert 'rel="next"' in page and 'data-count="%d"' % len(open_ids) in page
    # every open order is reachable through the pages, each once
    seen, number = [], 1
    while True:
        html = water.get("/connections/", {"page": number}).content.decode()
        seen += _orders_on(html)
        if 'rel="next"' not in html:
            break
        number += 1
    assert sorted(seen) == sorted(open_ids)
    # filters: overdue only; installed; a tracking code
    late = _orders_on(water.get("/connections/", {"overdue": "1"}).content.decode())
    assert sorted(late) == sorted(water_with_many_orders["old"])
    installed = water.get("/connections/", {"status": "installed"}).content.decode()
    assert 'data-status="ordered"' not in installed and installed.count('data-status="installed"') == 50
    code = water_with_many_orders["installed"][7].tracking_code
    one = water.get("/connections/", {"status": "all", "code": code.lower()}).content.decode()
    assert len(_orders_on(one)) == 1
    # a period that holds only the old orders
    # the day in Tehran (the page's days are local): between 20:30 and midnight UTC it is already tomorrow there
    old_day = local_date(timezone.now() - datetime.timedelta(days=60)).isoformat()
    period = _orders_on(water.get("/connections/", {"from": old_day, "to": old_day}).content.decode())
    assert sorted(period) == sorted(water_with_many_orders["old"])
    # the install form is on each open order; recording one says so and keeps the page
    first = shown[0]
    assert f'id="sub-{first}"' in page
    done = water.post("/connections/", {"order": first, "subscription_number": "W-۹۸۷", "next": "/connections/?page=2"},
                      follow=True)
    assert done.redirect_chain[-1][0] == "/connections/?page=2"
    assert "ثبت شد" in done.content.decode()
    assert ConnectionOrder.objects.get(pk=first).subscription_number == "W-987"
    # an id that is not a number is refused as not found, not a crash
    assert water.post("/connections/", {"order": "9" * 30, "subscription_number": "x"}).status_code == 403


@pytest.fixture
def a_file(client_for, city):
    return client_for("operator1").post("/api/v1/applications/", request_body(good_parcel(city)),
                                        format="json").json()


def test_a_refusal_without_its_reason_stays_a_refusal_and_nothing_is_pre_chosen(a_file):
    power = signed_in("reviewer.power")
    url = f"/files/{a_file['id']}/decide/"
    blank = power.get(url).content.decode()
    assert "checked" not in blank.split('id="decision"')[1]  # no decision chosen for the reviewer
    again = power.post(url, {"decision": "reject", "conditions": "شبکه ظرفیت ندارد", "reason": "",
                             "step": "review"})
    html = again.content.decode()
    assert again.status_code == 400
    assert re.search(r'value="reject" required checked', html) and 'value="approve" required checked' not in html
    assert "شبکه ظرفیت ندارد" in html  # what was typed is kept
    assert ReviewTask.objects.get(application_id=a_file["id"], agency__code="power").status == "pending"


def test_a_decision_is_confirmed_on_a_summary_and_a_message_says_what_was_done(a_file):
    power = signed_in("reviewer.power")
    url = f"/files/{a_file['id']}/decide/"
    summary = power.post(url, {"decision": "reject", "reason": "1", "step": "review"}).content.decode()
    assert 'id="confirm-summary"' in summary and 'data-decision="reject"' in summary
    assert ReviewTask.objects.get(application_id=a_file["id"], agency__code="power").status == "pending"
    # going back keeps every choice
    back = power.post(url, {"decision": "reject", "reason": "1", "step": "change"}).content.decode()
    assert 'value="reject" required checked' in back and re.search(r'<option value="1" selected>', back)
    done = power.post(url, {"decision": "reject", "reason": "1", "step": "confirm"}, follow=True)
    assert done.redirect_chain[-1][0] == "/inbox/"
    assert ReviewTask.objects.get(application_id=a_file["id"], agency__code="power").status == "rejected"
    assert a_file["tracking_code"] in done.content.decode() and "ثبت شد" in done.content.decode()


def test_the_decide_page_of_an_overdue_task_says_overdue(a_file):
    task = ReviewTask.objects.get(application_id=a_file["id"], agency__code="water")
    ReviewTask.objects.filter(pk=task.pk).update(due_date=timezone.now().date() - datetime.timedelta(days=20))
    html = signed_in("reviewer.water").get(f"/files/{a_file['id']}/decide/").content.decode()
    assert 'id="overdue-banner"' in html
    row = html.split("آب و فاضلاب")[1].split("</tr>")[0]
    assert "دیرکرد" in row and "روز کاری مانده" not in row
