"""Issue 26 item 1 behind the pages: the people cut off told by SMS (once per mobile, again when supply is
back), planned interruptions told ahead, the stuck-valve plan only for valves in the close list, the board's
notes and closing, and the reliability figures (SAIDI, SAIFI) checked against an independent computation."""

import datetime

import jdatetime
import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from panjereh.citymap.models import Feature, Parcel
from panjereh.crisis import services, tracing
from panjereh.crisis.models import Incident
from panjereh.permits.models import Application, ConnectionOrder
from panjereh.sms.models import SmsMessage
from tests.permits.helpers import approve_all, good_parcel, pay_in_cash, request_body

pytestmark = pytest.mark.django_db

TEHRAN = datetime.timezone(datetime.timedelta(hours=3, minutes=30))


def a_main():
    return Feature.objects.current().filter(kind="water_main").order_by("id")[40]


def subscribers(client_for, city, placed: list[tuple[int, str, str]]):
    """Files issued on parcels, with their water connection in the state given: [(parcel, mobile, status)].
    One real file goes through the single window; the others are its copies on other parcels (no need to pay
    a bill per subscriber in a test of the crisis room)."""
    app = client_for("operator1").post("/api/v1/applications/", request_body(good_parcel(city)), format="json").json()
    approve_all(client_for, app["id"])
    assert pay_in_cash(client_for, app["id"], "CR-1")["status"] == "issued"
    real = ConnectionOrder.objects.filter(application_id=app["id"], agency__code="water").first()
    ConnectionOrder.objects.filter(application_id=app["id"]).delete()  # the template file itself is nobody's
    template = Application.objects.get(pk=app["id"])
    fields = {f.attname: getattr(template, f.attname) for f in Application._meta.concrete_fields if f.attname != "id"}
    for n, (parcel, mobile, status) in enumerate(placed):
        copy = Application.objects.create(**{**fields, "tracking_code": f"CR{n:08d}", "parcel_id": parcel,
                                             "applicant_mobile": mobile})
        ConnectionOrder.objects.create(application=copy, service_id=real.service_id, agency_id=real.agency_id,
                                       status=status, installed_at=timezone.now() if status == "installed" else None)


def outage_mobiles(incident, phase):
    return sorted(SmsMessage.objects.filter(event_key__startswith=f"incident:{incident.pk}:{phase}:")
                  .values_list("mobile", flat=True))


def test_the_people_cut_off_are_told_once_and_again_when_supply_is_back(client_for, city, fake_sms):
    """Before: nobody was told. Now: one SMS per subscriber's mobile whose parcel the valves cut off (two flats
    of one person: one message), nobody whose connection is not installed or whose parcel keeps supply; the
    same again when the incident is closed; delivered through the fake provider's HTTP server."""
    main = a_main()
    affected = tracing.isolation_plan(tracing.build_network("water"), main.pk)["parcels_affected"]
    assert len(affected) >= 4
    kept = Parcel.objects.exclude(pk__in=affected).order_by("id").first().pk
    subscribers(client_for, city, [(affected[0], "09161110001", "installed"), (affected[1], "09161110001", "installed"),
                                   (affected[2], "09161110002", "installed"), (affected[3], "09161110003", "ordered"),
                                   (kept, "09161110004", "installed")])
    officer = get_user_model().objects.get(username="reviewer.water")
    incident = services.report_incident(actor=officer, kind="water_burst", feature_id=main.pk)
    assert outage_mobiles(incident, "outage") == ["09161110001", "09161110002"]
    plate = Parcel.objects.get(pk=affected[2])
    text = SmsMessage.objects.get(event_key=f"incident:{incident.pk}:outage:09161110002").text
    assert "آب" in text and str(plate.plate_main).translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")) in text
    assert services.notify_subscribers(incident, "outage") == 0  # never twice
    from panjereh.sms import delivery

    delivery.run_once("crisis-test")
    assert len(fake_sms.sent("09161110001")) == 1 and fake_sms.sent("09161110004") == []
    # the board's log and the agency at work
    services.add_note(actor=officer, incident=incident, text="گروه تعمیر در محل است")
    services.take_incident(actor=officer, incident=incident)
    with pytest.raises(services.IncidentError):
        services.add_note(actor=officer, incident=incident, text="   ")
    # closing: not before the supply stopped, not in the future; then everyone cut off is told it is back
    with pytest.raises(services.IncidentError):
        services.close_incident(actor=officer, incident=incident,
                                restored_at=incident.starts_at - datetime.timedelta(minutes=5))
    with pytest.raises(services.IncidentError):
        services.close_incident(actor=officer, incident=incident,
                                restored_at=timezone.now() + datetime.timedelta(hours=2))
    services.close_incident(actor=officer, incident=incident, restored_at=timezone.now())
    assert outage_mobiles(incident, "restored") == ["09161110001", "09161110002"]
    with pytest.raises(services.IncidentError):  # closed twice: refused, nobody told twice
        services.close_incident(actor=officer, incident=incident, restored_at=timezone.now())
    assert outage_mobiles(incident, "restored") == ["09161110001", "09161110002"]
    delivery.run_once("crisis-test")
    assert len(fake_sms.sent("09161110002")) == 2


def test_a_planned_interruption_is_told_ahead(client_for, city, settings):
    """B-READY's "planned outages notified directly to customers": registered at least the configured hours
    ahead (refused sooner), the subscribers told at once with the start and end in Jalali."""
    settings.PANJEREH_PLANNED_NOTICE_HOURS = 48
    main = a_main()
    affected = tracing.isolation_plan(tracing.build_network("water"), main.pk)["parcels_affected"]
    subscribers(client_for, city, [(affected[0], "09161110011", "installed")])
    officer = get_user_model().objects.get(username="reviewer.water")
    soon = timezone.now() + datetime.timedelta(hours=5)
    with pytest.raises(services.IncidentError) as refused:
        services.report_incident(actor=officer, kind="planned_water", feature_id=main.pk, starts_at=soon,
                                 ends_at=soon + datetime.timedelta(hours=4))
    assert refused.value.field == "starts_at"
    with pytest.raises(services.IncidentError):  # an accident is not planned ahead
        services.report_incident(actor=officer, kind="water_burst", feature_id=main.pk, starts_at=soon,
                                 ends_at=soon + datetime.timedelta(hours=4))
    start = (timezone.now() + datetime.timedelta(days=3)).replace(second=0, microsecond=0)
    incident = services.report_incident(actor=officer, kind="planned_water", feature_id=main.pk, starts_at=start,
                                        ends_at=start + datetime.timedelta(hours=6))
    assert incident.planned and incident.status == "open"
    text = SmsMessage.objects.get(event_key=f"incident:{incident.pk}:planned:09161110011").text
    day = jdatetime.date.fromgregorian(date=start.astimezone(TEHRAN).date()).strftime("%Y/%m/%d")
    assert day.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")) in text


def test_the_stuck_valve_plan_is_only_for_valves_in_the_close_list(city):
    """Before: the plan listed a fallback for every valve on the segment's boundary, also those the crew is
    not sent to close (a dead end's valve)."""
    traced = tracing.build_network("water")
    checked = 0
    for link in list(traced.link_index)[::7][:80]:
        plan = tracing.isolation_plan(traced, link)
        close = {v["id"] for v in plan["close"]}
        assert {f["stuck_valve"]["id"] for f in plan["if_stuck"]} <= close
        checked += len(plan["if_stuck"])
    assert checked > 0


def _independent_saidi(served: int) -> dict:
    """SAIDI and SAIFI recomputed from the stored incidents, by another route than the dashboard's."""
    sums: dict = {}
    for i in Incident.objects.filter(status="closed"):
        network = {"water_burst": "water", "planned_water": "water", "gas_leak": "gas", "cable_fault": "power"}.get(
            i.kind)
        if network is None:
            continue
        r = i.response
        customers = len((r.get("isolation") or {}).get("parcels_affected") or
                        (r.get("transformer") or {}).get("parcels_affected") or [])
        local = i.starts_at.astimezone(TEHRAN)
        j = jdatetime.date.fromgregorian(date=local.date())
        key = (network, f"{j.year:04d}-{j.month:02d}")
        s = sums.setdefault(key, [0, 0.0])
        s[0] += customers
        s[1] += customers * (i.restored_at - i.starts_at).total_seconds() / 60
    return {k: (round(m / served, 3), round(c / served, 5)) for k, (c, m) in sums.items()}


def test_reliability_figures_on_the_indicators_page(city, client):
    """SAIDI (customer-minutes lost per customer served) and SAIFI (interruptions per customer) per network
    and month, from the stored times, equal to an independent computation, on /indicators/ and its data."""
    now = timezone.now()
    water = services.report_incident(actor=None, kind="water_burst", feature_id=a_main().pk)
    gas = services.report_incident(actor=None, kind="gas_leak",
                                   feature_id=Feature.objects.current().filter(kind="gas_main").order_by("id")[25].pk)
    cable = services.report_incident(actor=None, kind="cable_fault",
                                     feature_id=Feature.objects.current().filter(kind="lv_cable").order_by("id")[10].pk)
    for incident, started, minutes in ((water, 130, 95), (gas, 400, 45), (cable, 90, 61)):
        Incident.objects.filter(pk=incident.pk).update(starts_at=now - datetime.timedelta(minutes=started))
        incident.refresh_from_db()
        services.close_incident(actor=None, incident=incident,
                                restored_at=incident.starts_at + datetime.timedelta(minutes=minutes))
    still_open = services.report_incident(actor=None, kind="water_burst", feature_id=a_main().pk)
    assert still_open.status == "open"  # counted only once closed
    from panjereh.indicators import reliability

    rows = reliability.by_network_month()
    served = Parcel.objects.count()
    expected = _independent_saidi(served)
    got = {(r["network"], r["month"]): (r["saidi_minutes"], r["saifi"]) for r in rows}
    assert got == expected and len(got) >= 3
    assert all(v[0] > 0 and v[1] > 0 for v in got.values())
    body = client.get("/indicators/data.json").json()
    assert {(r["network"], r["month"]) for r in body["reliability"]} == set(expected)
    page = client.get("/indicators/").content.decode()
    assert 'id="reliability-table"' in page and "SAIDI" in page
