"""panjereh outbox: see the state of webhook deliveries and replay dead letters."""

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count

from panjereh.integrations import delivery
from panjereh.integrations.models import Delivery


class Command(BaseCommand):
    help = "Show delivery counts; --replay-event N or --replay-dead puts dead letters back in the queue."

    def add_arguments(self, parser):
        parser.add_argument("--replay-event", type=int)
        parser.add_argument("--replay-dead", action="store_true")

    def handle(self, *args, replay_event, replay_dead, **options):
        if replay_event is not None or replay_dead:
            n = delivery.replay(event_id=replay_event, dead=replay_dead)
            if replay_event is not None and n == 0:
                raise CommandError(f"event {replay_event} has no dead-lettered delivery")
            self.stdout.write(f"replaying {n} deliveries")
            return
        for row in Delivery.objects.values("status").annotate(n=Count("id")).order_by("status"):
            self.stdout.write(f"{row['status']:<10} {row['n']}")
