"""Adding a city, and the home city every row belongs to unless another is named."""

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from panjereh.cities.models import City
from panjereh.core import audit, scale
from panjereh.core.text import Localized

_home: dict[str, int] = {}
_generation = [0]  # this process's count of changes to the cities: what keeps a cached extent (citymap.crs)


def generation() -> int:
    return _generation[0]


def utm_srid(lon: float, lat: float) -> int:
    """The EPSG code of the WGS 84 UTM zone (north or south) a point lies in."""
    return (32600 if lat >= 0 else 32700) + scale.utm_zone(lon)


def storage_scale_error(bbox) -> tuple[float, int]:
    """The worst scale error (a fraction) over an extent in the deployment's storage CRS (a UTM zone, or the
    province's Transverse Mercator), and that CRS's zone (0 for the Transverse Mercator)."""
    srid, meridian = settings.PANJEREH_STORAGE_SRID, settings.PANJEREH_STORAGE_TM_MERIDIAN
    return scale.storage_error(bbox, srid, meridian), (0 if meridian is not None else srid % 100)


def home_city_id() -> int:
    """The id of the deployment's home city (settings PANJEREH_CITY_*), created on first use. It is the default
    of every city key, so a one-city deployment never names a city. Remembered per process; ``forget_home_city``
    after a flush (tests)."""
    if "id" not in _home:
        west, south, east, north = settings.PANJEREH_CITY_BBOX
        lon, lat = settings.PANJEREH_CITY_CENTRE
        city, _created = City.objects.get_or_create(code=settings.PANJEREH_CITY_CODE, defaults=dict(
            prefix=settings.PANJEREH_CITY_PREFIX, name_fa=settings.PANJEREH_CITY_NAME,
            name_en=settings.PANJEREH_CITY_NAME_EN,
            centre_lon=lon, centre_lat=lat, west=west, south=south, east=east, north=north,
            srid=settings.PANJEREH_STORAGE_SRID))
        _home["id"] = city.pk
    return _home["id"]


def forget_home_city() -> None:
    _home.clear()
    _generation[0] += 1


def home_city() -> City:
    return City.objects.get(pk=home_city_id())


def _checked(code: str, prefix: str, name_fa: str, centre: tuple[float, float], half_width: float) -> dict:
    """The new city's fields, or a ValidationError naming every field that is wrong (in the user's language)."""
    errors = {}
    if not re.fullmatch(r"[a-z][a-z0-9-]{1,31}", code or ""):
        errors["code"] = _("The city code must be 2–32 lower-case Latin letters, digits or dashes.")
    elif City.objects.filter(code=code).exists():
        errors["code"] = _("A city with this code already exists.")
    if not re.fullmatch(r"[A-Z]{2,4}", prefix or ""):
        errors["prefix"] = _("The permit number prefix must be two to four capital Latin letters.")
    elif City.objects.filter(prefix=prefix).exists():
        errors["prefix"] = _("Another city's permit numbers already start with this prefix.")
    if not (name_fa or "").strip():
        errors["name_fa"] = _("The city's Persian name is required.")
    lon, lat = centre
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        errors["centre"] = _("The centre must be a longitude and a latitude, in degrees.")
    if not 0 < half_width <= 1:
        errors["half_width"] = _("The half-width of the city's extent must be more than 0 and at most 1 degree.")
    elif "centre" not in errors:
        error, zone = storage_scale_error((lon - half_width, lat - half_width, lon + half_width, lat + half_width))
        if error > settings.PANJEREH_MAX_SCALE_ERROR and zone:
            errors["centre"] = _(
                "This deployment stores the map in UTM zone %(zone)s, where this city's distances and areas would "
                "be off by up to %(error)s%% (the limit is %(limit)s%%). The city lies in zone %(own)s: serve it "
                "from a deployment stored in that zone.") % Localized({
                    "zone": zone, "error": round(error * 100, 3), "limit": round(
                        settings.PANJEREH_MAX_SCALE_ERROR * 100, 3), "own": scale.utm_zone(lon)})
        elif error > settings.PANJEREH_MAX_SCALE_ERROR:
            errors["centre"] = _(
                "This province stores the map in a Transverse Mercator on %(meridian)s° E, where this city's "
                "distances and areas would be off by up to %(error)s%% (the limit is %(limit)s%%): it is too far "
                "from the province's meridian.") % Localized({
                    "meridian": settings.PANJEREH_STORAGE_TM_MERIDIAN, "error": round(error * 100, 3),
                    "limit": round(settings.PANJEREH_MAX_SCALE_ERROR * 100, 3)})
    if errors:
        raise ValidationError(errors)
    return dict(code=code, prefix=prefix, name_fa=name_fa.strip(), centre_lon=lon, centre_lat=lat,
                west=lon - half_width, south=lat - half_width, east=lon + half_width, north=lat + half_width,
                srid=utm_srid(lon, lat))


def add_city(*, actor, code: str, prefix: str, name_fa: str, name_en: str = "", centre: tuple[float, float],
             half_width: float = 0.1) -> City:
    """Add a city to the deployment: a row, checked, audited and announced (``city.added``) in one transaction.
    The agencies layer adds what a city needs beside it (its municipality, the provincial agencies serving it)."""
    fields = _checked(code, prefix, name_fa, centre, half_width)
    with transaction.atomic():
        city = City.objects.create(name_en=name_en, **fields)
        audit.record(actor=actor, action="city.added", obj=city, data={"code": code, "srid": city.srid})
        audit.emit(event_type="city.added", payload={"city": code})
    _generation[0] += 1
    return city
