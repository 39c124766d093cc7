"""panjereh exportlayer LAYER --format gpkg --out DIR: write a layer version to a file."""

from django.core.management.base import BaseCommand, CommandError

from panjereh.citymap.exporting import EXPORT_FORMATS, export_layer
from panjereh.citymap.models import Layer


class Command(BaseCommand):
    help = "Export a layer (its current version, or --layer-version N) as GeoJSON, GeoPackage or a zipped Shapefile."

    def add_arguments(self, parser):
        parser.add_argument("layer")
        parser.add_argument("--format", default="gpkg", choices=sorted(EXPORT_FORMATS))
        # not --version: every Django command already has that one (it prints Django's version)
        parser.add_argument("--layer-version", type=int, dest="version_number", metavar="N")
        parser.add_argument("--crs")
        parser.add_argument("--out", default=".")

    def handle(self, *args, layer, format, version_number, crs, out, **options):
        try:
            target = Layer.objects.get(code=layer)
        except Layer.DoesNotExist:
            raise CommandError(f"layer «{layer}» does not exist") from None
        import os

        if not os.path.isdir(out):
            raise CommandError(f"--out {out}: no such folder (make it first)")
        version = None
        if version_number is not None:
            version = target.versions.filter(number=version_number).first()
            if version is None:
                raise CommandError(f"layer {layer} has no version {version_number}")
        try:
            path = export_layer(target, format, version=version, target_crs=crs, directory=out)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(path)
