"""Text messages to the applicant: one at every step of the file, written with the change in one transaction,
sent by the worker through the provider adapter to the fake provider (its own HTTP server), at least once and
never twice to the person — whatever the provider does (down, 500, too slow to answer, a wrong number)."""

import time

import pytest
from django.db import transaction

from panjereh.permits import services
from panjereh.permits.models import Application
from panjereh.sms import delivery, templates
from panjereh.sms.models import SmsMessage
from tests.permits.helpers import approve_all, good_parcel, pay_in_cash, request_body

pytestmark = pytest.mark.django_db
MOBILE = "09161234567"


def drain(rounds=20, worker="w1"):
    """Run the worker until nothing is due (or ``rounds`` passes)."""
    for _ in range(rounds):
        if not delivery.run_once(worker):
            return


def test_sms_parts_are_counted_as_operators_bill_them():
    assert templates.parts("a" * 160) == 1 and templates.parts("a" * 161) == 2 and templates.parts("a" * 307) == 3
    assert templates.parts("س" * 70) == 1 and templates.parts("س" * 71) == 2
    assert templates.parts("س" * 134) == 2 and templates.parts("س" * 135) == 3
    assert templates.parts("{" * 80) == 1 and templates.parts("{" * 81) == 2  # escape characters take two


def test_every_template_is_persian_and_at_most_three_parts():
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("smstexts", stdout=out)
    lines = [line for line in out.getvalue().splitlines() if "part(s)" in line]
    assert len(lines) == len(templates.TEMPLATES)
    assert all(int(line.split(",")[1].split()[0]) <= 3 for line in lines), out.getvalue()
    text = templates.render("bill_ready", {"code": "1405-000001", "amount": 1_234_567, "url": "https://x/"})
    assert "۱٬۲۳۴٬۵۶۷" in text and "1405-000001" in text and "\u2068" not in text  # no isolates in an SMS


def test_a_message_at_every_step_each_once(client_for, city, fake_sms, settings):
    settings.PANJEREH_SMS_BACKOFF_SECONDS = 0.01
    operator = client_for("operator1")
    app = operator.post("/api/v1/applications/", request_body(city and good_parcel(city)), format="json").json()
    code = app["tracking_code"]
    # an agency asks, the applicant answers; all approve; the bill; paid: the permit; a connection installed
    client_for("reviewer.water").post(f"/api/v1/applications/{app['id']}/reviews/water/decision/",
                                      {"decision": "request_info", "info_request": "نقشه"}, format="json")
    operator.post(f"/api/v1/applications/{app['id']}/reviews/water/answer/", {"answer": "فرستاده شد"},
                  format="json")
    approve_all(client_for, app["id"])
    pay_in_cash(client_for, app["id"], "R-SMS-1")
    services.record_connection_installed(application=Application.objects.get(pk=app["id"]), agency_code="power",
                                         service_code="power", subscription_number="778899")
    services.record_connection_installed(application=Application.objects.get(pk=app["id"]), agency_code="power",
                                         service_code="power", subscription_number="778899")  # repeated: no SMS
    drain()
    drain()  # a second worker pass sends nothing again
    received = fake_sms.sent(MOBILE)
    kinds = [m.kind for m in SmsMessage.objects.filter(subject=code).order_by("id")]
    assert kinds == ["opened", "info_requested", "bill_ready", "permit_issued", "tariff_changed", "connection_installed"]
    assert len(received) == 6 and len({r["localid"] for r in received}) == 6
    assert all(code in r["message"] for r in received)
    assert "۷۷۸۸۹۹" not in received[-1]["message"] and "778899" in received[-1]["message"]  # a code stays typeable
    assert SmsMessage.objects.filter(subject=code, status="sent").count() == 6


def test_a_refusal_is_told_with_its_numbered_reason(client_for, city, fake_sms):
    app = client_for("operator1").post("/api/v1/applications/", request_body(good_parcel(city)), format="json").json()
    client_for("reviewer.power").post(f"/api/v1/applications/{app['id']}/reviews/power/decision/",
                                      {"decision": "reject", "reason": 1}, format="json")
    drain()
    refused = [r["message"] for r in fake_sms.sent(MOBILE) if "۱" in r["message"] and app["tracking_code"] in r["message"]]
    message = SmsMessage.objects.get(subject=app["tracking_code"], kind="refused")
    assert message.status == "sent" and message.text in refused


def test_nothing_is_lost_while_the_provider_is_down_and_nothing_sent_twice(client_for, city, fake_sms, settings):
    settings.PANJEREH_SMS_BACKOFF_SECONDS = 0.05
    settings.PANJEREH_SMS_BACKOFF_MAX_SECONDS = 0.1
    fake_sms.mode("down")
    with transaction.atomic():
        for n in range(30):
            from panjereh.sms.services import queue

            queue(kind="opened", mobile=f"0916{n:07d}", event_key=f"burst:{n}",
                  context={"code": f"C-{n}", "city": "اهواز", "url": "https://x/"})
    drain(rounds=3)
    assert SmsMessage.objects.filter(status="pending").count() == 30 and fake_sms.sent() == []
    assert SmsMessage.objects.filter(attempts__gte=1).count() == 30  # tried, kept
    fake_sms.mode("error")  # 500s: still kept
    time.sleep(0.15)
    drain(rounds=2)
    assert SmsMessage.objects.filter(status="pending").count() == 30
    fake_sms.mode("ok")
    deadline = time.monotonic() + 20
    while SmsMessage.objects.filter(status="pending").exists() and time.monotonic() < deadline:
        time.sleep(0.1)
        drain(rounds=1)
    assert SmsMessage.objects.filter(status="sent").count() == 30
    received = fake_sms.sent()
    assert len(received) == 30 and len({r["receptor"] for r in received}) == 30


def test_a_provider_too_slow_to_answer_does_not_make_a_second_message(fake_sms, settings, db):
    from panjereh.sms.services import queue

    settings.PANJEREH_SMS_TIMEOUT_SECONDS = 0.3
    settings.PANJEREH_SMS_BACKOFF_SECONDS = 0.01
    settings.PANJEREH_SMS_BACKOFF_MAX_SECONDS = 0.02
    fake_sms.mode("slow", delay=1.0)  # it takes the message, then answers after we stopped waiting
    queue(kind="opened", mobile=MOBILE, event_key="slow:1", context={"code": "C-1", "city": "اهواز", "url": "u"})
    drain(rounds=1)
    assert SmsMessage.objects.get(event_key="slow:1").status == "pending"  # we do not know: try again
    fake_sms.mode("ok")
    time.sleep(0.05)
    drain(rounds=3)
    assert SmsMessage.objects.get(event_key="slow:1").status == "sent"
    assert len(fake_sms.sent(MOBILE)) == 1  # the provider knew the message id: the person got one


def test_a_wrong_number_is_given_up_and_the_same_event_is_queued_once(fake_sms, db):
    from panjereh.sms.services import queue

    first = queue(kind="opened", mobile="0916", event_key="bad:1", context={"code": "C", "city": "x", "url": "u"})
    again = queue(kind="opened", mobile="0916", event_key="bad:1", context={"code": "C", "city": "x", "url": "u"})
    assert first.pk == again.pk and SmsMessage.objects.count() == 1
    drain()
    assert SmsMessage.objects.get().status == "dead" and fake_sms.sent() == []


def test_without_a_provider_messages_wait(settings, db):
    from panjereh.sms.services import queue

    settings.PANJEREH_SMS_URL = ""
    queue(kind="opened", mobile=MOBILE, event_key="wait:1", context={"code": "C", "city": "x", "url": "u"})
    assert delivery.run_once("w") == {} and SmsMessage.objects.get().status == "pending"


def test_the_fake_provider_refuses_to_start_outside_a_demo(monkeypatch):
    from panjereh.sms import fakesms

    monkeypatch.delenv("PANJEREH_DEMO", raising=False)
    with pytest.raises(RuntimeError):
        fakesms.make_server(0, key="k")
