"""panjereh consistency: run every consistency check over the whole map and print the findings per agency."""

from django.core.management.base import BaseCommand

from panjereh.crisis.services import run_consistency


class Command(BaseCommand):
    help = "Check that the agencies' layers agree (offsets, clearances, positions, CRS, duplicates, loads)."

    def handle(self, *args, **options):
        run = run_consistency()
        self.stdout.write(f"run {run.pk}: {run.seconds:.1f} s, {sum(run.counts.values())} findings {run.counts}")
        for f in run.findings.select_related("agency"):
            self.stdout.write(f"  [{f.agency.code}] {f.check_name}: {f.message_en}")
