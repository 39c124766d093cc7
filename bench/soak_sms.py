"""SMS fault run: a burst of BENCH_SMS messages (default 1,000) while the SMS provider is down for the first
BENCH_SMS_DOWN seconds (default 60: the hour of the issue, scaled), with two workers sending at once; then
every message must reach its person exactly once.

    .venv/bin/python bench/soak_sms.py
    DATABASE_URL=postgis://postgres@127.0.0.1/panjereh_bench .venv/bin/python bench/soak_sms.py

The provider is the fake one (its own HTTP server, through the same adapter a real provider is reached by);
"down" is 503 to everything; midway it also turns "slow" for a while (it takes each message but answers after
the sender stopped waiting), the case where a sender that does not give the provider its message id sends
twice. Printed: messages written, attempts, time to drain after the provider came back, and what the fake
provider received per person (must be 1 each).
"""

import os
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _django import setup  # noqa: E402

MESSAGES = int(os.environ.get("BENCH_SMS", "1000"))
DOWN = float(os.environ.get("BENCH_SMS_DOWN", "60"))
os.environ.setdefault("PANJEREH_DEMO", "1")
setup("bench_sms.sqlite3")

import json  # noqa: E402
import urllib.request  # noqa: E402
from collections import Counter  # noqa: E402

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from panjereh.sms import delivery, fakesms  # noqa: E402
from panjereh.sms.models import SmsMessage  # noqa: E402
from panjereh.sms.services import queue  # noqa: E402


def mode(url, name, delay=0.0):
    body = json.dumps({"mode": name, "delay": delay}).encode()
    urllib.request.urlopen(urllib.request.Request(f"{url}/_mode", data=body, method="POST"), timeout=5).close()


def worker(name, stop):
    while not stop.is_set():
        if not delivery.run_once(name, batch=50):
            time.sleep(0.2)
    connection.close()


def main():
    call_command("migrate", "--noinput", verbosity=0)
    SmsMessage.objects.all().delete()
    server = fakesms.make_server(0, key="bench-key")
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    settings.PANJEREH_SMS_URL, settings.PANJEREH_SMS_KEY = url, "bench-key"
    settings.PANJEREH_SMS_TIMEOUT_SECONDS = 1.0
    settings.PANJEREH_SMS_BACKOFF_SECONDS = max(DOWN / 60, 0.2)  # backoff scaled like the outage
    settings.PANJEREH_SMS_BACKOFF_MAX_SECONDS = max(DOWN / 6, 1.0)
    mode(url, "down")
    t0 = time.perf_counter()
    with transaction.atomic():
        for n in range(MESSAGES):
            queue(kind="opened", mobile=f"0912{n:07d}", event_key=f"soak:{n}",
                  context={"code": f"B-{n:05d}", "city": "اهواز", "url": "https://panjereh.example/t"})
    written = time.perf_counter() - t0
    stop = threading.Event()
    workers = [threading.Thread(target=worker, args=(f"w{i}", stop)) for i in range(2)]
    for w in workers:
        w.start()
    time.sleep(DOWN * 0.8)
    mode(url, "slow", delay=1.5)  # the provider comes back slow: it takes messages, answers too late
    time.sleep(DOWN * 0.2)
    mode(url, "ok")
    back = time.perf_counter()
    while SmsMessage.objects.filter(status="pending").exists() and time.perf_counter() - back < 600:
        time.sleep(0.5)
    drained = time.perf_counter() - back
    stop.set()
    for w in workers:
        w.join()
    with urllib.request.urlopen(f"{url}/_sent", timeout=10) as response:
        received = json.loads(response.read())
    per_person = Counter(r["receptor"] for r in received["sent"])
    attempts = sum(SmsMessage.objects.values_list("attempts", flat=True))
    print(f"database: {connection.vendor}; messages: {MESSAGES:,} written in {written:.2f} s; provider down "
          f"{DOWN * 0.8:.0f} s, then slow {DOWN * 0.2:.0f} s")
    print(f"sent: {SmsMessage.objects.filter(status='sent').count():,}, pending: "
          f"{SmsMessage.objects.filter(status='pending').count():,}, given up: "
          f"{SmsMessage.objects.filter(status='dead').count():,}; attempts: {attempts:,}; requests the provider "
          f"answered: {received['requests']:,}; drained {drained:.1f} s after it came back")
    print(f"people who received their message: {len(per_person):,} of {MESSAGES:,}; received more than once: "
          f"{sum(1 for c in per_person.values() if c > 1)}")
    ok = len(per_person) == MESSAGES and all(c == 1 for c in per_person.values())
    print("PASS" if ok else "FAIL")
    server.shutdown()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
