"""panjereh reconcile [--date YYYY-MM-DD]: the day's card payments against the bank gateway's report."""

import datetime
import json

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from panjereh.core.calendar import local_date
from panjereh.billing import reconciliation, psp


class Command(BaseCommand):
    help = ("List card payments the bank confirmed that Panjereh did not settle, and the reverse, for one Tehran "
            "day (yesterday by default). Exit status 1 when they differ, so a scheduler can alert.")

    def add_arguments(self, parser):
        parser.add_argument("--date", help="the day to reconcile, YYYY-MM-DD (Gregorian, Tehran time)")
        parser.add_argument("--json", action="store_true", help="print the result as JSON")

    def handle(self, *args, **options):
        if options["date"]:
            try:
                day = datetime.date.fromisoformat(options["date"])
            except ValueError:
                raise CommandError(f"--date: «{options['date']}» is not YYYY-MM-DD") from None
        else:
            day = local_date(timezone.now()) - datetime.timedelta(days=1)
        try:
            result = reconciliation.reconcile(date=day)
        except psp.GatewayError as exc:
            raise CommandError(str(exc)) from None
        if options["json"]:
            self.stdout.write(json.dumps(result, ensure_ascii=False, indent=2))
        else:
            self.stdout.write(f"{result['date']}: {result['matched']} card payments agree with the bank")
            for row in result["confirmed_not_settled"]:
                self.stdout.write(f"  bank confirmed, not settled here: {row['order_id']} {row['amount']} rials "
                                  f"(bank ref {row['ref_num']}, here: {row['status']})")
            for row in result["settled_not_confirmed"]:
                self.stdout.write(f"  settled here, not confirmed by the bank: {row['order_id']} {row['amount']} rials")
        if result["confirmed_not_settled"] or result["settled_not_confirmed"]:
            raise SystemExit(1)
