"""panjereh outbox: see the state of webhook deliveries and of the papers waiting for their PDF; replay dead
letters and papers the worker gave up on."""

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count

from panjereh.integrations import delivery
from panjereh.integrations.models import Delivery
from panjereh.permits import pdf
from panjereh.permits.models import PendingPaper


class Command(BaseCommand):
    help = ("Show delivery counts and papers waiting for their PDF; --replay-event N or --replay-dead puts dead "
            "letters back in the queue, --retry-papers the papers the worker gave up on.")

    def add_arguments(self, parser):
        parser.add_argument("--replay-event", type=int)
        parser.add_argument("--replay-dead", action="store_true")
        parser.add_argument("--retry-papers", action="store_true")

    def handle(self, *args, replay_event, replay_dead, retry_papers, **options):
        if retry_papers:
            self.stdout.write(f"retrying {pdf.retry_given_up()} papers")
            return
        if replay_event is not None or replay_dead:
            n = delivery.replay(event_id=replay_event, dead=replay_dead)
            if replay_event is not None and n == 0:
                raise CommandError(f"event {replay_event} has no dead-lettered delivery")
            self.stdout.write(f"replaying {n} deliveries")
            return
        for row in Delivery.objects.values("status").annotate(n=Count("id")).order_by("status"):
            self.stdout.write(f"{row['status']:<10} {row['n']}")
        given_up = PendingPaper.objects.filter(attempts__gte=pdf.RENDER_ATTEMPTS).order_by("pk")
        waiting = PendingPaper.objects.count() - given_up.count()
        self.stdout.write(f"papers     {waiting} waiting for their PDF, {given_up.count()} given up")
        for job in given_up[:20]:
            self.stdout.write(f"  {job}: {job.last_error}")
