"""panjereh createcity <code> --name NAME --centre LON,LAT --prefix ABC [--served-by water,power,gas,telecom]

Adds a city to the deployment in one transaction, in seconds: its row, its municipality, a first counter office,
and the provincial agencies that serve it. Its parcels come in with `panjereh importlayer --city <code>`."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from panjereh.agencies import services


def _centre(text: str) -> tuple[float, float]:
    try:
        lon, lat = (float(v) for v in text.split(","))
    except ValueError:
        raise CommandError("--centre: give the longitude and the latitude in degrees, e.g. 48.40,32.38") from None
    return lon, lat


class Command(BaseCommand):
    help = "Add a city (its municipality, a counter office, the provincial agencies serving it) to the deployment."

    def add_arguments(self, parser):
        parser.add_argument("code", help="the city's code, e.g. dezful")
        parser.add_argument("--name", required=True, help="the city's Persian name")
        parser.add_argument("--name-en", default="")
        parser.add_argument("--centre", required=True, help="longitude,latitude of the city's centre")
        parser.add_argument("--prefix", required=True, help="2–4 capital Latin letters that begin its permit numbers")
        parser.add_argument("--half-width", type=float, default=0.1,
                            help="half the width of the city's extent, in degrees (default 0.1)")
        parser.add_argument("--served-by", default="", help="codes of the provincial agencies serving it, by commas")

    def handle(self, *args, code, name, name_en, centre, prefix, half_width, served_by, **options):
        try:
            city = services.add_city(actor=None, code=code, prefix=prefix, name_fa=name, name_en=name_en,
                                     centre=_centre(centre), half_width=half_width,
                                     served_by=[c for c in served_by.split(",") if c])
        except ValidationError as exc:
            raise CommandError("; ".join(f"{field}: {' '.join(msgs)}"
                                         for field, msgs in exc.message_dict.items())) from None
        self.stdout.write(f"city {city.code} added: EPSG:{city.srid}, permits numbered {city.prefix}-…")
