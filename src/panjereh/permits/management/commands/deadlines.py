"""panjereh deadlines: flag reviews past their deadline (run it daily, e.g. from cron or a systemd timer)."""

from django.core.management.base import BaseCommand

from panjereh.permits.services import process_deadlines


class Command(BaseCommand):
    help = "Deem approved the late reviews of agencies where silence counts as approval; escalate the rest."

    def handle(self, *args, **options):
        counts = process_deadlines()
        self.stdout.write(f"deemed approved: {counts['deemed_approved']}, escalated: {counts['escalated']}")
