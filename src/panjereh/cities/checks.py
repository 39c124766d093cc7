"""Each city's distances within the scale error the deployment promises (``check --deploy``, ``doctor``)."""

from django.conf import settings
from django.core import checks

from panjereh.cities.services import storage_scale_error
from panjereh.core import scale
from panjereh.core.checks import TAG


def city_errors() -> list[tuple[str, float, int]]:
    """(city code, worst scale error in the storage CRS, the storage zone) of every city, or [] before migrate."""
    from panjereh.cities.models import City

    try:
        return [(c.code, *storage_scale_error(c.bbox)) for c in City.objects.order_by("id")]
    except Exception:  # noqa: BLE001 — no database or not migrated yet: the machine checks say so
        return []


@checks.register(TAG, deploy=True)
def cities_within_scale(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    limit = settings.PANJEREH_MAX_SCALE_ERROR
    storage = scale.storage_name(settings.PANJEREH_STORAGE_SRID, settings.PANJEREH_STORAGE_TM_MERIDIAN)
    return [checks.Error(f"city {code}: distances off by up to {error * 100:.3f}% in {storage} (limit "
                         f"{limit * 100:.3f}%)", hint="serve it from a deployment stored in its own zone "
                         "(docs/architecture.md, 'A province on one deployment')", obj=f"city {code}",
                         id="panjereh.E210")
            for code, error, _zone in city_errors() if error > limit]
