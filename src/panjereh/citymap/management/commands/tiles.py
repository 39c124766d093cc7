"""panjereh tiles --warm LAYER [--zoom 14 16] [--bbox W,S,E,N] | --prune: manage the vector tile cache."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from panjereh.citymap import crs as crsmod
from panjereh.citymap import tiles
from panjereh.citymap.models import Layer
from panjereh.core.text import normalize_digits

MAX_TILES = 200_000  # a mistyped box or zoom should not fill the disk


class Command(BaseCommand):
    help = ("Build a layer's vector tiles ahead of the first visitor (--warm), or delete the cached tiles of "
            "versions that are no longer current (--prune).")

    def add_arguments(self, parser):
        parser.add_argument("--warm", metavar="LAYER", help="layer code, or 'all' for every layer")
        parser.add_argument("--zoom", nargs=2, type=int, metavar=("FROM", "TO"), default=[14, 16])
        parser.add_argument("--bbox", help="west,south,east,north in degrees (default: the layer's extent)")
        parser.add_argument("--prune", action="store_true")

    def handle(self, *args, warm, zoom, bbox, prune, **options):
        if not settings.PANJEREH_TILE_CACHE_DIR:
            raise CommandError("the tile cache is off (PANJEREH_TILE_CACHE_DIR is empty)")
        if not warm and not prune:
            raise CommandError("say --warm LAYER and/or --prune")
        if prune:
            self.stdout.write(f"pruned {tiles.prune_cache()} old version folder(s)")
        if not warm:
            return
        low, high = zoom
        if not 0 <= low <= high <= tiles.MAX_ZOOM:
            raise CommandError(f"--zoom {low} {high}: give FROM ≤ TO within 0–{tiles.MAX_ZOOM}")
        layers = Layer.objects.select_related("current_version")
        layers = list(layers if warm == "all" else layers.filter(code=warm))
        if not layers:
            raise CommandError(f"layer «{warm}» does not exist")
        for layer in layers:
            box = _bbox(bbox) if bbox else (layer.current_version.bbox if layer.current_version and
                                            layer.current_version.bbox else crsmod.city_bbox_lonlat())
            zooms = [z for z in range(low, high + 1) if z >= tiles.min_zoom(layer)]
            total = sum(tiles.count_tiles(box, z) for z in zooms)
            if total > MAX_TILES:
                raise CommandError(f"{layer.code}: {total:,} tiles at zoom {low}–{high} over that box, over the "
                                   f"limit of {MAX_TILES:,}; narrow --bbox or --zoom")
            built = tiles.warm_cache(layer, zooms, box)
            self.stdout.write(f"{layer.code}: {built} tile(s) at zoom {zooms[0] if zooms else '-'}–"
                              f"{zooms[-1] if zooms else '-'}")


def _bbox(text: str):
    try:
        west, south, east, north = (float(v) for v in normalize_digits(text).replace("،", ",").split(","))
    except ValueError:
        raise CommandError(f"--bbox «{text}»: give four numbers west,south,east,north in degrees") from None
    if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
        raise CommandError(f"--bbox «{text}»: west < east and south < north, in degrees")
    return west, south, east, north
