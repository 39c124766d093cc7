"""panjereh events: the catalogue of outbox events — each type, the app that emits it, what it means (the list
docs/integrations.md holds, and what a Subscription's event_types may name)."""

from django.core.management.base import BaseCommand

from panjereh.core import events


class Command(BaseCommand):
    help = "List every outbox event type: its app and what it means."

    def add_arguments(self, parser):
        parser.add_argument("--markdown", action="store_true", help="as the table of docs/integrations.md")

    def handle(self, *args, markdown=False, **options):
        rows = events.catalogue()
        if markdown:
            self.stdout.write("| event | app | what it means |\n|---|---|---|")
            for event_type, (app, meaning) in rows.items():
                self.stdout.write(f"| `{event_type}` | {app} | {meaning} |")
            return
        width = max(map(len, rows))
        for event_type, (app, meaning) in rows.items():
            self.stdout.write(f"{event_type.ljust(width)}  {app:<9} {meaning}")
