"""panjereh importlayer LAYER FILE: publish a file as a new version of a layer."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from panjereh import access
from panjereh.citymap.importing import ImportRejected
from panjereh.citymap.models import Layer
from panjereh.citymap.services import LayerConflict, import_layer, rollback_layer


class Command(BaseCommand):
    help = ("Import GeoJSON, GeoPackage or a zipped Shapefile as a new version of a layer, or roll a layer back. "
            "Nothing is written unless the whole file is clean.")

    def add_arguments(self, parser):
        parser.add_argument("layer", help="layer code, e.g. water-mains")
        parser.add_argument("file", nargs="?", help="the file to import")
        parser.add_argument("--crs", help="the file's CRS when it does not declare one, e.g. EPSG:4326")
        parser.add_argument("--repair", action="store_true", help="repair invalid geometries instead of refusing")
        parser.add_argument("--keep-geometry", choices=["Point", "LineString", "Polygon"],
                            help="of a file whose geometry types are mixed, import only these")
        parser.add_argument("--note", default="")
        parser.add_argument("--user", help="act as this user (their permission is checked)")
        parser.add_argument("--rollback-to", type=int, help="make this version number current again")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, layer, file, crs, repair, note, user, rollback_to, no_progress, keep_geometry=None,
               **options):
        try:
            target = Layer.objects.select_related("agency").get(code=layer)
        except Layer.DoesNotExist:
            raise CommandError(f"layer «{layer}» does not exist") from None
        actor = None
        if user:
            actor = get_user_model().objects.filter(username=user).first()
            if actor is None:
                raise CommandError(f"user «{user}» does not exist")
            if not access.can_change_layer(actor, target):
                raise CommandError(f"user «{user}» may not change layer {target.code} "
                                   f"(only {target.agency.code}'s GIS staff may)")
        if rollback_to is not None:
            try:
                version = rollback_layer(layer=target, version_number=rollback_to, actor=actor)
            except LayerConflict as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(self.style.SUCCESS(f"{target.code}: version {version.number} is current again"))
            return
        if not file:
            raise CommandError("give a file to import, or --rollback-to N")
        bar = tqdm(unit=" features", disable=no_progress, desc=f"importing {target.code}")
        try:
            version = import_layer(layer=target, path=file, original_name=file, actor=actor, declared_crs=crs,
                                   repair=repair, note=note, progress=bar.update, keep_geometry=keep_geometry)
        except ImportRejected as exc:
            bar.close()
            lines = "\n".join(f"  - {e}" for e in exc.errors)
            if exc.keep_geometry:
                lines += f"\n  (on the command line: --keep-geometry {exc.keep_geometry})"
            more = f"\n  … and {exc.total - len(exc.errors)} more" if exc.total > len(exc.errors) else ""
            raise CommandError(f"{file} was not imported; nothing changed:\n{lines}{more}") from exc
        except (LayerConflict, FileNotFoundError) as exc:
            bar.close()
            raise CommandError(str(exc)) from exc
        bar.close()
        self.stdout.write(self.style.SUCCESS(
            f"{target.code}: version {version.number} published with {version.feature_count} features"
            + (f" ({version.repaired_count} repaired)" if version.repaired_count else "")))
