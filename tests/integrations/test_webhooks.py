"""Outbox delivery to real HTTP receivers on 127.0.0.1, through every fault in the issue."""

import io
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from panjereh.agencies.models import Agency
from panjereh.core import audit
from panjereh.integrations import delivery, signing
from panjereh.integrations.models import Delivery, Subscription
from tests.integrations.receivers import Receiver
from tests.pgcluster import own_cluster, pointed_at

SECRET = "s3cret-for-tests"


@pytest.fixture
def fast(settings):
    settings.PANJEREH_WEBHOOK_BACKOFF_SECONDS = 0.01
    settings.PANJEREH_WEBHOOK_BACKOFF_MAX_SECONDS = 0.05
    settings.PANJEREH_WEBHOOK_TIMEOUT_SECONDS = 1.0
    settings.PANJEREH_WEBHOOK_LEASE_SECONDS = 30
    return settings


def subscribe(receiver, agency="water", types=()):
    # Events from building the test city are history, not for this receiver.
    delivery.OutboxEvent.objects.update(fanned_out=True)
    return Subscription.objects.create(agency=Agency.objects.get(code=agency), url=receiver.url, secret=SECRET,
                                       event_types=list(types))


def emit_events(n, parcels=(1, 2, 3), agency="water"):
    ids = []
    for i in range(n):
        with transaction.atomic():
            ids.append(audit.emit(event_type="connection.ordered", agency_code=agency, parcel_id=parcels[i % len(parcels)],
                                  payload={"n": i}).pk)
    return ids


def drain(worker="w1", rounds=400, done=lambda: False):
    for _ in range(rounds):
        delivery.run_once(worker)
        if done() or not Delivery.objects.filter(status="pending").exists():
            return
        time.sleep(0.01)


@pytest.mark.django_db
def test_signed_json_with_id_type_time_agency_parcel_payload(city, fast):
    receiver = Receiver(SECRET)
    subscribe(receiver)
    Subscription.objects.create(agency=Agency.objects.get(code="gas"), url=receiver.url, secret="other")
    [event_id] = emit_events(1)
    drain()
    assert receiver.applied_ids() == [event_id]
    event = receiver.applied[0]
    assert set(event) == {"id", "type", "time", "agency", "parcel", "payload"}
    assert event["type"] == "connection.ordered" and event["agency"] == "water" and event["payload"] == {"n": 0}
    assert Delivery.objects.filter(subscription__agency__code="gas").count() == 0  # not gas's event
    body = delivery.event_body(delivery.OutboxEvent.objects.get(pk=event_id))
    good = signing.sign(SECRET, body)
    assert signing.verify(SECRET, body, good)
    assert not signing.verify("wrong", body, good)
    assert not signing.verify(SECRET, body + b" ", good)
    assert not signing.verify(SECRET, body, signing.sign(SECRET, body, timestamp=int(time.time()) - 3600))
    receiver.stop()


@pytest.mark.django_db
def test_event_type_filter(city, fast):
    receiver = Receiver(SECRET)
    subscribe(receiver, types=["tariff.changed"])
    emit_events(2)
    with transaction.atomic():
        wanted = audit.emit(event_type="tariff.changed", agency_code="water", parcel_id=9).pk
    drain()
    assert receiver.applied_ids() == [wanted]
    receiver.stop()


@pytest.mark.django_db
def test_receiver_down_then_back(city, fast):
    receiver = Receiver(SECRET)
    port = receiver.port
    subscribe(receiver)
    receiver.stop()
    ids = emit_events(6)
    for _ in range(3):
        delivery.run_once("w1")
        time.sleep(0.06)
    assert Delivery.objects.filter(status="pending", attempts__gte=1).count() >= 1
    assert Delivery.objects.filter(status="delivered").count() == 0
    back = Receiver(SECRET, port=port)
    drain()
    assert sorted(back.applied_ids()) == ids and back.order_kept()
    back.stop()


@pytest.mark.django_db
def test_flaky_receiver_500s_and_timeouts(city, fast):
    receiver = Receiver(SECRET, fail_rate=0.3, slow_rate=0.1, slow_seconds=1.5, seed=4)
    subscribe(receiver)
    ids = emit_events(40, parcels=(11, 12, 13, 14))
    drain(rounds=2000)
    assert sorted(receiver.applied_ids()) == ids  # every event, once
    assert receiver.order_kept()
    assert Delivery.objects.filter(status="delivered").count() == 40
    assert Delivery.objects.filter(attempts__gt=1).exists()  # faults really happened
    receiver.stop()


@pytest.mark.django_db
def test_dead_letter_and_replay(city, fast):
    fast.PANJEREH_WEBHOOK_MAX_ATTEMPTS = 3
    receiver = Receiver(SECRET, fail_rate=1.0)
    subscribe(receiver)
    [event_id] = emit_events(1)
    drain(rounds=50, done=lambda: Delivery.objects.filter(status="dead").exists())
    dead = Delivery.objects.get()
    assert dead.status == "dead" and dead.attempts == 3 and "HTTP 500" in dead.last_error
    receiver.fail_rate = 0.0
    out = io.StringIO()
    call_command("outbox", "--replay-event", str(event_id), stdout=out)
    assert "replaying 1" in out.getvalue()
    drain()
    assert receiver.applied_ids() == [event_id]
    receiver.stop()


def _database_url():
    s = connection.settings_dict
    if connection.vendor == "postgresql":
        return f"postgis://{s['USER'] or 'postgres'}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"
    return f"spatialite:///{s['NAME']}"


def _worker(env_extra=None, worker_id="sub"):
    env = {**os.environ, "DATABASE_URL": _database_url(), "PANJEREH_WEBHOOK_BACKOFF_SECONDS": "0.05",
           "PANJEREH_WEBHOOK_BACKOFF_MAX_SECONDS": "0.2", "PANJEREH_WEBHOOK_TIMEOUT_SECONDS": "5",
           "PANJEREH_WEBHOOK_ALLOWED_HOSTS": "127.0.0.1",
           **(env_extra or {})}
    return subprocess.Popen([sys.executable, "-m", "panjereh.manage", "worker", "--idle-sleep", "0.1", "--id",
                             worker_id], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _wait(predicate, seconds=60):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            if predicate():
                return True
        except Exception:  # noqa: BLE001 — the database may be restarting
            connection.close()
        time.sleep(0.1)
    return False


@pytest.mark.django_db(transaction=True)
def test_two_workers_race_for_the_same_events(live_city):
    receiver = Receiver(SECRET)
    subscribe(receiver)
    ids = emit_events(60, parcels=(21, 22, 23))
    workers = [_worker(worker_id="a"), _worker(worker_id="b")]
    try:
        assert _wait(lambda: Delivery.objects.filter(status="delivered").count() == 60 and
                     len(receiver.applied_ids()) == 60)
    finally:
        for w in workers:
            w.terminate()
            w.wait(10)
    assert sorted(receiver.applied_ids()) == ids and receiver.order_kept()
    assert len(receiver.received) == 60  # leases: no event was sent twice
    assert set(Delivery.objects.values_list("locked_by", flat=True)) == {""}
    receiver.stop()


@pytest.mark.django_db(transaction=True)
def test_worker_killed_mid_delivery(live_city):
    receiver = Receiver(SECRET)
    subscribe(receiver)
    receiver.hang.set()
    ids = emit_events(5, parcels=(31,))
    lease = {"PANJEREH_WEBHOOK_LEASE_SECONDS": "2"}
    first = _worker(lease, "doomed")
    assert _wait(lambda: Delivery.objects.exclude(locked_by="").exists(), 30)
    time.sleep(0.3)  # the POST is in flight, held by the receiver
    first.send_signal(signal.SIGKILL)
    first.wait(10)
    receiver.hang.clear()
    second = _worker(lease, "rescuer")
    try:
        assert _wait(lambda: Delivery.objects.filter(status="delivered").count() == 5, 60)
    finally:
        second.terminate()
        second.wait(10)
    assert receiver.applied_ids() == ids  # each applied once, in order
    assert len(receiver.received) >= 5  # the killed delivery may arrive twice: deduped by id
    receiver.stop()


@pytest.mark.django_db(transaction=True)
def test_postgresql_restart_during_a_run(live_city):
    """The worker rides a real restart of PostgreSQL: of the test's own cluster (tests/pgcluster.py), never
    the machine's, whose other clients would lose their connections."""
    if connection.vendor != "postgresql":
        pytest.skip("a PostgreSQL server restart is a PostgreSQL fault; SpatiaLite has no server")
    receiver = Receiver(SECRET, slow_rate=1.0, slow_seconds=0.02)
    with own_cluster() as cluster, pointed_at(cluster):
        subscribe(receiver)
        ids = emit_events(120, parcels=(41, 42, 43))
        worker = _worker()
        try:
            assert _wait(lambda: Delivery.objects.filter(status="delivered").count() >= 10, 60)
            connection.close()
            cluster.restart()
            assert _wait(lambda: Delivery.objects.filter(status="delivered").count() == 120, 120), \
                worker.stderr.read1().decode() if worker.poll() is not None else "worker still running"
        finally:
            worker.terminate()
            worker.wait(10)
        assert sorted(receiver.applied_ids()) == ids and receiver.order_kept()
    receiver.stop()
