"""panjereh importepanet FILE.inp --prefix net3: an EPANET network as layers of the map."""

from django.core.management.base import BaseCommand, CommandError

from panjereh.crisis.epanet import import_epanet


class Command(BaseCommand):
    help = "Import an EPANET .inp water network (pipes, nodes, valves) as layers, placed by --crs or --origin/--scale."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--prefix", required=True, help="layer codes start with this")
        parser.add_argument("--agency", default="water")
        parser.add_argument("--crs", help="the CRS of the file's coordinates, if they are real coordinates")
        parser.add_argument("--origin", help="lon,lat where the network's centre goes (local coordinates)")
        parser.add_argument("--scale", type=float, default=1.0, help="metres per coordinate unit")
        parser.add_argument("--valves", help="the valves with the network: strategic:N or random:N (as WNTR "
                                             "generates them) or a CSV file with link and node columns")
        parser.add_argument("--seed", type=int, default=None, help="seed of generated valves")

    def handle(self, *args, file, prefix, agency, crs, origin, scale, valves, seed, **options):
        import wntr

        from panjereh.crisis.epanet import valve_layer_from

        try:
            place = tuple(float(v) for v in origin.split(",")) if origin else None
            valve_layer = valve_layer_from(valves, wntr.network.WaterNetworkModel(file), seed=seed)
            layers = import_epanet(file, prefix=prefix, agency_code=agency, crs=crs, origin=place, scale=scale,
                                   valve_layer=valve_layer)
        except (OSError, ValueError) as exc:
            raise CommandError(f"{file}: {exc}") from exc
        for layer in layers:
            self.stdout.write(f"{layer.code}: {layer.current_version.feature_count} features")
