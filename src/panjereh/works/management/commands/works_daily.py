"""panjereh works_daily: the street works' daily jobs (run it daily with `panjereh deadlines`, from cron or a
systemd timer): excavation permits unanswered past their due date are deemed granted (and billed), the day's
inspection sample is drawn for every phase, and works left unrestored past their deadline are charged to their
agency under Article 103."""

from django.core.management.base import BaseCommand

from panjereh.works import services
from panjereh.works.models import Inspection


class Command(BaseCommand):
    help = "Deem overdue excavation permits granted, draw the inspection sample, charge unrestored works."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=None, help="seed of the random sample (tests, audits)")

    def handle(self, *args, **options):
        deemed = services.deem_overdue_permits()
        chosen = sum(len(services.select_for_inspection(phase=phase, seed=options["seed"]))
                     for phase in Inspection.Phase.values)
        charged = services.recover_unrestored()
        self.stdout.write(f"permits deemed granted: {deemed}, works chosen for inspection: {chosen}, "
                          f"Article 103 charges: {len(charged)}")
