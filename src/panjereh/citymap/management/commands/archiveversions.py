"""panjereh archiveversions [--keep 3] [LAYER ...]: move old layer versions out of the live feature table."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from panjereh.citymap.archive import archive_layer, tidy_live_table
from panjereh.citymap.models import Layer


class Command(BaseCommand):
    help = ("Move every layer version older than the newest --keep (and not current) to the archive table, so "
            "spatial queries walk only recent versions. Rolling back to an archived version still works (its "
            "features come back first). Run it nightly, after the agencies' imports.")

    def add_arguments(self, parser):
        parser.add_argument("layers", nargs="*", help="layer codes (default: every layer)")
        parser.add_argument("--keep", type=int, default=settings.PANJEREH_LIVE_VERSIONS,
                            help="newest versions kept live, the current one always (default %(default)s)")

    def handle(self, *args, layers, keep, **options):
        if keep < 1:
            raise CommandError(f"--keep {keep}: keep at least 1 version live")
        chosen = Layer.objects.exclude(kind=Layer.Kind.PARCELS).select_related("current_version").order_by("code")
        if layers:
            found = {layer.code: layer for layer in chosen.filter(code__in=layers)}
            missing = sorted(set(layers) - set(found))
            if missing:
                raise CommandError(f"no such layer(s): {', '.join(missing)}")
            chosen = [found[c] for c in layers]
        total = 0
        for layer in chosen:
            for number, moved in archive_layer(layer, keep=keep):
                self.stdout.write(f"{layer.code} v{number}: {moved} feature(s) archived")
                total += moved
        if total:
            tidy_live_table()
        self.stdout.write(f"{total} feature(s) archived")
