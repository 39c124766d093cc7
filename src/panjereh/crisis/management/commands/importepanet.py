"""panjereh importepanet FILE.inp --prefix net3: an EPANET network as layers of the map."""

from django.core.management.base import BaseCommand, CommandError

from panjereh.crisis.epanet import import_epanet


class Command(BaseCommand):
    help = "Import an EPANET .inp water network (pipes and nodes) as layers, placed by --crs or --origin/--scale."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--prefix", required=True, help="layer codes start with this")
        parser.add_argument("--agency", default="water")
        parser.add_argument("--crs", help="the CRS of the file's coordinates, if they are real coordinates")
        parser.add_argument("--origin", help="lon,lat where the network's centre goes (local coordinates)")
        parser.add_argument("--scale", type=float, default=1.0, help="metres per coordinate unit")

    def handle(self, *args, file, prefix, agency, crs, origin, scale, **options):
        try:
            place = tuple(float(v) for v in origin.split(",")) if origin else None
            layers = import_epanet(file, prefix=prefix, agency_code=agency, crs=crs, origin=place, scale=scale)
        except (OSError, ValueError) as exc:
            raise CommandError(f"{file}: {exc}") from exc
        for layer in layers:
            self.stdout.write(f"{layer.code}: {layer.current_version.feature_count} features")
