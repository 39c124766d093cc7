"""panjereh reconcile --psp [--date D] [--file REPORT]: one day's card payments against the bank's settlement
report, in Persian; each difference kept (the finance page shows the day's state) and audited, nothing changed."""

import datetime
import json

import jdatetime
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from panjereh.billing import psp, reconciliation
from panjereh.core.calendar import local_date
from panjereh.core.text import Localized, normalize_digits


def parse_day(text: str) -> datetime.date:
    """A day as YYYY-MM-DD (Gregorian) or YYYY/MM/DD (Jalali, in any digits)."""
    text = normalize_digits(text.strip())
    try:
        if "/" in text:
            year, month, day = (int(part) for part in text.split("/"))
            return jdatetime.date(year, month, day).togregorian()
        return datetime.date.fromisoformat(text)
    except (ValueError, TypeError):
        raise CommandError(_("--date: «%(text)s» is neither 1405/09/16 nor 2026-12-07.")
                           % Localized({"text": text})) from None


class Command(BaseCommand):
    help = ("Compare one Tehran day's card payments (yesterday by default) with the bank gateway's settlement "
            "report: settled here and not there, there and not here, amounts that differ. Exit status 1 when "
            "they differ, so a scheduler can alert.")

    def add_arguments(self, parser):
        parser.add_argument("--psp", action="store_true", help="against the bank gateway's report (the default)")
        parser.add_argument("--date", help="the day: 1405/09/16 (Jalali) or 2026-12-07")
        parser.add_argument("--file", help="the settlement report the bank's merchant panel gave for the day")
        parser.add_argument("--json", action="store_true", help="print the result as JSON")

    def handle(self, *args, **options):
        with translation.override("fa"):
            return self._run(options)

    def _run(self, options):
        day = parse_day(options["date"]) if options["date"] else local_date(timezone.now()) - datetime.timedelta(days=1)
        report = None
        if options["file"]:
            try:
                with open(options["file"], "rb") as handle:
                    report = handle.read(50 * 1024 * 1024)
            except OSError as exc:
                raise CommandError(_("--file: the report cannot be read (%(why)s).")
                                   % Localized({"why": exc.strerror or exc})) from None
        try:
            result = reconciliation.reconcile(date=day, report=report, keep=True,
                                              source=options["file"] or "the bank's server")
        except psp.GatewayError as exc:
            raise CommandError(str(exc)) from None
        if options["json"]:
            self.stdout.write(json.dumps(result, ensure_ascii=False, indent=2))
        else:
            self.stdout.write(_("%(date)s: %(count)s card payments agree with the bank.")
                              % Localized({"date": jdatetime.date.fromgregorian(date=day).strftime("%Y/%m/%d"),
                                           "count": result["matched"]}))
            for row in result["confirmed_not_settled"]:
                self.stdout.write("  " + _("At the bank, not settled here: order %(order)s, %(amount)s rials, bank "
                                           "reference %(ref)s (here: %(status)s).") % Localized(
                    {"order": row["order_id"], "amount": row["amount"], "ref": row["ref_num"], "status": row["status"]}))
            for row in result["settled_not_confirmed"]:
                self.stdout.write("  " + _("Settled here, not at the bank: order %(order)s, %(amount)s rials.")
                                  % Localized({"order": row["order_id"], "amount": row["amount"]}))
            for row in result["amounts_differ"]:
                self.stdout.write("  " + _("Amounts differ: order %(order)s, %(amount)s rials here and %(bank)s "
                                           "rials at the bank.") % Localized(
                    {"order": row["order_id"], "amount": row["amount"], "bank": row["bank_amount"]}))
        if result["confirmed_not_settled"] or result["settled_not_confirmed"] or result["amounts_differ"]:
            raise SystemExit(1)
