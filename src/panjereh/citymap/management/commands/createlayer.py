"""panjereh createlayer CODE --agency water --kind network --geometry LineString --name-fa … [--allowed-kinds …]:
a GIS administrator creates a layer (the same service and checks as POST /api/v1/layers/)."""

from django.core.management.base import BaseCommand, CommandError

from panjereh.agencies.models import Agency
from panjereh.citymap.services import LayerError, create_layer


class Command(BaseCommand):
    help = "Create a map layer: code, agency, kind, geometry type, names, visibility and its asset kinds."

    def add_arguments(self, parser):
        parser.add_argument("code", help="e.g. power-overhead")
        parser.add_argument("--agency", required=True)
        parser.add_argument("--kind", required=True, choices=["network", "generic"])
        parser.add_argument("--geometry", required=True, choices=["Point", "LineString", "Polygon", "Any"])
        parser.add_argument("--name-fa", required=True)
        parser.add_argument("--name-en", default="")
        parser.add_argument("--visibility", default="staff", choices=["public", "staff", "agency"])
        parser.add_argument("--allowed-kinds", default="", help="comma-separated asset kinds (network layers)")

    def handle(self, *args, code, agency, kind, geometry, name_fa, name_en, visibility, allowed_kinds, **options):
        owner = Agency.objects.filter(code=agency).first()
        if owner is None:
            raise CommandError(f"agency «{agency}» does not exist")
        try:
            layer = create_layer(actor=None, code=code, name_fa=name_fa, name_en=name_en, agency=owner, kind=kind,
                                 geometry_type=geometry, visibility=visibility,
                                 allowed_kinds=[k.strip() for k in allowed_kinds.split(",") if k.strip()])
        except LayerError as exc:
            raise CommandError(f"{exc.field}: {exc}") from exc
        self.stdout.write(f"{layer.code}: created for {owner.code} ({layer.kind}, {layer.geometry_type})")
