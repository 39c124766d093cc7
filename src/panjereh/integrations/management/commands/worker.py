"""panjereh worker: deliver the outbox to the agencies' systems (run one or more; see docs/integrations.md)."""

import os
import signal
import socket

from django.core.management.base import BaseCommand

from panjereh.integrations import delivery


class Command(BaseCommand):
    help = "Deliver outbox events to agency webhooks: at least once, in order per parcel, with backoff."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="one pass, then exit")
        parser.add_argument("--batch", type=int, default=50)
        parser.add_argument("--idle-sleep", type=float, default=1.0)
        parser.add_argument("--id", dest="worker_id", default=f"{socket.gethostname()}:{os.getpid()}")

    def handle(self, *args, once, batch, idle_sleep, worker_id, **options):
        if once:
            self.stdout.write(str(delivery.run_once(worker_id, batch)))
            return
        stopping = []
        signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))  # finish the current delivery, then stop
        self.stdout.write(f"worker {worker_id} delivering")
        self.stdout.flush()
        delivery.run_forever(worker_id, batch, idle_sleep, stop=lambda: bool(stopping))
