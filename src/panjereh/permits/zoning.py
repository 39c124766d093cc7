"""The municipality's planning checks of a file against the parcel's zoning (land use, floors, density)."""

MIXED_ALLOWS = {"residential", "commercial", "mixed"}


def planning_problems(parcel, *, land_use: str, floors: int, gross_floor_area: float) -> list[dict]:
    """What in the request breaks the parcel's zoning, each with what would fix it (Persian and English)."""
    problems = []
    allowed = land_use == parcel.land_use or (parcel.land_use == "mixed" and land_use in MIXED_ALLOWS)
    if not allowed:
        problems.append({"code": "land_use", "field": "permit.land_use",
                         "fa": f"کاربری «{land_use}» با کاربری قطعه «{parcel.land_use}» مغایرت دارد؛ "
                               "تغییر کاربری از کمیسیون ماده ۵ لازم است",
                         "en": f"land use {land_use} conflicts with the parcel's zoning ({parcel.land_use}): "
                               "a change of use by the Article 5 commission is needed"})
    if floors > parcel.max_floors:
        problems.append({"code": "floors", "field": "permit.floors",
                         "fa": f"{floors} طبقه درخواستی بیش از حداکثر مجاز ({parcel.max_floors}) است؛ "
                               f"طبقات را به {parcel.max_floors} کاهش دهید",
                         "en": f"{floors} floors exceed the {parcel.max_floors} allowed: reduce to {parcel.max_floors}"})
    density = gross_floor_area / parcel.area_m2 * 100
    if density > parcel.max_density:
        allowed_area = parcel.area_m2 * parcel.max_density / 100
        problems.append({"code": "density", "field": "permit.gross_floor_area",
                         "fa": f"تراکم {density:.0f}٪ بیش از حد مجاز {parcel.max_density}٪ است؛ "
                               f"زیربنا را به {allowed_area:.0f} متر مربع کاهش دهید",
                         "en": f"density {density:.0f}% exceeds the {parcel.max_density}% allowed: "
                               f"reduce the floor area to {allowed_area:.0f} m²"})
    return problems
