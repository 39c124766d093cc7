"""The water tariff class of a parcel's land use when no construction is going on."""

from panjereh.permits.models import TariffClass


def tariff_class_for(land_use: str) -> str:
    """The water tariff class of a land use when no construction is going on."""
    if land_use == "residential":
        return TariffClass.RESIDENTIAL
    if land_use in {"commercial", "mixed", "industrial"}:
        return TariffClass.COMMERCIAL
    return TariffClass.PUBLIC
