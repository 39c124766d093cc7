"""panjereh democity --parcels N --seed S: build the deterministic Ahvaz-like demo city."""

import json

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from panjereh.citymap.models import Parcel
from panjereh.core.fakes import demo_allowed
from panjereh.democity.build import DemoCityExists, build_demo_city
from panjereh.democity.models import DemoBuild
from panjereh.democity.people import NotADemoDatabase, create_demo_people


class Command(BaseCommand):
    help = "Build the demo city (parcels, streets, every network, planted faults) and its demo users."

    def add_arguments(self, parser):
        parser.add_argument("--parcels", type=int, default=settings.PANJEREH_DEMO_PARCELS)
        parser.add_argument("--seed", type=int, default=1405)
        parser.add_argument("--replace", action="store_true", help="delete the current map and build anew")
        parser.add_argument("--if-empty", action="store_true", help="do nothing if the map already has parcels")
        parser.add_argument("--manifest", help="also write the manifest of planted faults to this JSON file")
        parser.add_argument("--no-progress", action="store_true")
        parser.add_argument("--history-months", type=int, default=0,
                            help="also make this many months of files (for the indicators), if there are none yet")
        parser.add_argument("--history-per-month", type=int, default=30)

    def handle(self, *args, parcels, seed, replace, if_empty, manifest, no_progress, history_months,
               history_per_month, **options):
        if not demo_allowed():
            raise CommandError("the demo city and its demo users (whose password is in the README) are made only "
                               "in a demo deployment: set PANJEREH_DEMO=1 (make run does) — a city's own "
                               "deployment starts with `panjereh createcityadmin`")
        try:
            self._city(parcels=parcels, seed=seed, replace=replace, if_empty=if_empty, manifest=manifest,
                       no_progress=no_progress)
            self._second_city()
            self._planning()
            self._findings(again=replace)
        finally:
            if history_months:
                self._history(history_months, history_per_month, seed, no_progress)
        # after the history (which is made only where there are no files yet): Dezful's first files
        from panjereh.democity.second_city import open_files

        if DemoBuild.objects.exists() and (opened := open_files()):
            self.stdout.write(f"second demo city: {opened} files waiting at its counter")

    def _planning(self):
        """The detailed plan's zoning and the hazard layers, public (democity/planning.py), once."""
        from panjereh.democity.planning import publish_planning_layers

        build = DemoBuild.objects.first()
        if build is None or "grid" not in build.manifest:
            return
        if made := publish_planning_layers(build.manifest):
            self.stdout.write(f"public planning layers: {', '.join(made)}")

    def _findings(self, *, again: bool):
        """One consistency run over the new city, so that its planted faults are on the findings desk from the
        start (once: a city that has a run keeps its own; a city built anew gets a new one)."""
        from panjereh.crisis.models import ConsistencyRun
        from panjereh.crisis.services import run_consistency

        if ConsistencyRun.objects.exists() and not again:
            return
        run = run_consistency()
        self.stdout.write(f"consistency: {sum(run.counts.values())} findings ({run.seconds:.1f} s), on /findings/")

    def _second_city(self):
        """Dezful beside Ahvaz: the demo shows two cities apart on one deployment (democity/second_city.py)."""
        from panjereh.democity.second_city import add_second_city, fits

        if not DemoBuild.objects.exists():
            return
        if not fits():
            self.stdout.write("second demo city: none (Dezful is Ahvaz's neighbour, far from this city)")
            return
        city, made = add_second_city()
        if made:
            self.stdout.write(f"second demo city: {city.code} (permits {city.prefix}-…), demo users {', '.join(made)}")

    def _history(self, months, per_month, seed, no_progress):
        from panjereh.democity.history import build_history
        from panjereh.democity.models import DemoBuild
        from panjereh.permits.models import Application

        if not DemoBuild.objects.exists():
            raise CommandError("files are made only in a demo city's database")
        if Application.objects.exists():
            self.stdout.write("demo history: there are files already; nothing to do")
            return
        with tqdm(total=months * per_month, unit=" files", disable=no_progress, desc="demo history") as bar:
            counts = build_history(months=months, per_month=per_month, seed=seed, progress=bar.update)
        self.stdout.write(self.style.SUCCESS(f"demo history: {counts}"))
        # the newest permits' papers rendered now (the rest at their first request): the digital permit is
        # there to download and verify from the start
        from panjereh.permits import pdf
        from panjereh.permits.models import Permit

        for permit in Permit.objects.filter(signed_at__isnull=False).order_by("-issued_at")[:3]:
            pdf.permit_pdf(permit)

    def _city(self, *, parcels, seed, replace, if_empty, manifest, no_progress):
        if if_empty and Parcel.objects.exists():
            self.stdout.write("demo city: the map already has parcels; nothing to do")
            try:
                _, made = create_demo_people()
            except NotADemoDatabase as exc:
                self.stdout.write(f"demo users: {exc}")
                return
            if made:
                self.stdout.write(f"demo users made: {', '.join(made)}")
            return
        bar = tqdm(total=None, unit=" rows", disable=no_progress, desc="demo city")
        try:
            build = build_demo_city(parcels=parcels, seed=seed, replace=replace, progress=bar.update)
        except DemoCityExists as exc:
            raise CommandError(str(exc)) from exc
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        finally:
            bar.close()
        password, made = create_demo_people()
        if manifest:
            with open(manifest, "w", encoding="utf-8") as fh:
                json.dump(build.manifest, fh, ensure_ascii=False, indent=2)
        self.stdout.write(self.style.SUCCESS(
            f"demo city built: {build.parcels} parcels, seed {seed}, in {build.seconds:.1f} s"))
        if made:
            self.stdout.write(f"demo users (demo only) share the password «{password}»: {', '.join(made)}")
