"""Soak: 10,000 events through two worker processes against a flaky receiver.

    .venv/bin/python bench/soak_webhooks.py            # SpatiaLite, var/soak.sqlite3
    DATABASE_URL=postgis://postgres@127.0.0.1/panjereh_soak .venv/bin/python bench/soak_webhooks.py

Prints delivered, duplicates suppressed by the receiver, lost (must be 0), order violations (must be 0)
and events per second. The receiver answers 500 to 10% of requests and stalls 1% past the worker's timeout.
"""

import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _django import setup  # noqa: E402

EVENTS = int(os.environ.get("SOAK_EVENTS", "10000"))
os.environ.setdefault("PANJEREH_WEBHOOK_ALLOWED_HOSTS", "127.0.0.1")  # the local receiver (and the workers)
setup("soak.sqlite3")

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from panjereh.agencies.models import Agency  # noqa: E402
from panjereh.core.models import OutboxEvent  # noqa: E402
from panjereh.integrations.models import Delivery, Subscription  # noqa: E402
from tests.integrations.receivers import Receiver  # noqa: E402

SECRET = "soak-secret"


def main():
    call_command("migrate", "--noinput", verbosity=0)
    Delivery.objects.all().delete()
    OutboxEvent.objects.all().delete()
    Subscription.objects.all().delete()
    receiver = Receiver(SECRET, fail_rate=0.10, slow_rate=0.01, slow_seconds=3.0, seed=7)
    Subscription.objects.create(agency=Agency.objects.get(code="water"), url=receiver.url, secret=SECRET)
    with transaction.atomic():
        OutboxEvent.objects.bulk_create([OutboxEvent(event_type="connection.ordered", agency_code="water",
                                                     parcel_id=1 + i % 500, payload={"n": i}) for i in range(EVENTS)])
    connection.close()
    env = {**os.environ, "PANJEREH_WEBHOOK_BACKOFF_SECONDS": "0.05", "PANJEREH_WEBHOOK_BACKOFF_MAX_SECONDS": "0.5",
           "PANJEREH_WEBHOOK_TIMEOUT_SECONDS": "1", "PANJEREH_WEBHOOK_MAX_ATTEMPTS": "50"}
    started = time.monotonic()
    workers = [subprocess.Popen([sys.executable, "-m", "panjereh.manage", "worker", "--idle-sleep", "0.05",
                                 "--batch", "100", "--id", f"soak-{n}"], env=env) for n in range(2)]
    try:
        while Delivery.objects.filter(status="delivered").count() < EVENTS or \
                OutboxEvent.objects.filter(fanned_out=False).exists():
            time.sleep(0.5)
            if time.monotonic() - started > 1800:
                break
    finally:
        for w in workers:
            w.terminate()
            w.wait(30)
    seconds = time.monotonic() - started
    applied = receiver.applied_ids()
    delivered = Delivery.objects.filter(status="delivered").count()
    print(f"database {connection.vendor}, {EVENTS} events, 2 workers, receiver failing 10% and stalling 1%")
    print(f"delivered: {delivered}")
    print(f"applied by the receiver: {len(applied)} (unique {len(set(applied))})")
    print(f"duplicates suppressed by the receiver: {len(receiver.received) - len(set(receiver.received))}")
    print(f"lost: {EVENTS - len(set(applied))}")
    print(f"order violations: {0 if receiver.order_kept() else 'SOME'}")
    print(f"dead letters: {Delivery.objects.filter(status='dead').count()}")
    print(f"time: {seconds:.1f} s, {EVENTS / seconds:.0f} events/s")
    receiver.stop()


if __name__ == "__main__":
    main()
