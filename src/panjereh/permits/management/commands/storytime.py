"""panjereh storytime: how long a permit with every connection takes, in parallel against one after another."""

import datetime

from django.core.management.base import BaseCommand

from panjereh.agencies.models import Agency
from panjereh.core.calendar import add_working_days


class Command(BaseCommand):
    help = ("From each agency's configured deadline, print how long the whole story takes when the agencies "
            "review in parallel (the single window) against one after another (today's trips between offices).")

    def add_arguments(self, parser):
        parser.add_argument("--start", help="start date, YYYY-MM-DD (default: today)")
        parser.add_argument("--agencies", default="municipality,water,power,gas,telecom")

    def handle(self, *args, start, agencies, **options):
        day = datetime.date.fromisoformat(start) if start else datetime.date.today()
        chosen = [Agency.objects.get(code=code) for code in agencies.split(",")]
        self.stdout.write(f"{'agency':<14}{'working days':>14}")
        for agency in chosen:
            self.stdout.write(f"{agency.code:<14}{agency.review_days:>14}")
        parallel_end = max(add_working_days(day, a.review_days) for a in chosen)
        sequential_end = day
        for agency in chosen:
            sequential_end = add_working_days(sequential_end, agency.review_days)
        p_work, s_work = max(a.review_days for a in chosen), sum(a.review_days for a in chosen)
        p_cal, s_cal = (parallel_end - day).days, (sequential_end - day).days
        self.stdout.write(f"\nin parallel (one window, one visit):  {p_work} working days, {p_cal} calendar days "
                          f"(done {parallel_end})")
        self.stdout.write(f"one after another ({len(chosen)} visits):     {s_work} working days, {s_cal} calendar "
                          f"days (done {sequential_end})")
        self.stdout.write(f"saved: {s_cal - p_cal} calendar days, {len(chosen) - 1} visits, and every letter "
                          "carried between offices")
