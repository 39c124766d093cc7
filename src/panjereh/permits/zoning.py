"""The municipality's planning checks of a file against the parcel's zoning (land use, floors, density)."""

from django.utils.translation import gettext_lazy as _

from panjereh.citymap.vocabulary import zone_admits
from panjereh.core.text import in_both


def planning_problems(parcel, *, land_use: str, floors: int, gross_floor_area: float) -> list[dict]:
    """What in the request breaks the parcel's zoning, each with what would fix it (Persian and English, from the
    catalogue: the file keeps both, and each reader sees their own)."""
    problems = []
    if not zone_admits(parcel.land_use, land_use):
        problems.append({"code": "land_use", "field": "permit.land_use", **in_both(
            _("land use %(asked)s conflicts with the parcel's zoning (%(zoned)s): a change of use by the Article 5 "
              "commission is needed"), asked=land_use, zoned=parcel.land_use)})
    if floors > parcel.max_floors:
        problems.append({"code": "floors", "field": "permit.floors", **in_both(
            _("%(floors)s floors exceed the %(max)s allowed: reduce to %(max)s"), floors=floors,
            max=parcel.max_floors)})
    density = gross_floor_area / parcel.area_m2 * 100
    if density > parcel.max_density:
        allowed_area = parcel.area_m2 * parcel.max_density / 100
        problems.append({"code": "density", "field": "permit.gross_floor_area", **in_both(
            _("density %(density)s%% exceeds the %(max)s%% allowed: reduce the floor area to %(area)s m²"),
            density=f"{density:.0f}", max=parcel.max_density, area=f"{allowed_area:.0f}")})
    return problems
