"""The words of the shared map: land uses, asset kinds, statuses, materials.

These are the codes stored in the database and accepted in imported files.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from panjereh.core.text import search_key


class LandUse(models.TextChoices):
    RESIDENTIAL = "residential", _("residential")
    COMMERCIAL = "commercial", _("commercial")
    ADMINISTRATIVE = "administrative", _("administrative")
    INDUSTRIAL = "industrial", _("industrial")
    EDUCATIONAL = "educational", _("educational")
    HEALTH = "health", _("health")
    GREEN_SPACE = "green_space", _("green space")
    MIXED = "mixed", _("mixed")


# a mixed-use zone admits housing and shops (and mixed use itself); every other zone only its own use
MIXED_ALLOWS = {"residential", "commercial", "mixed"}


def zone_admits(zoned: str, use: str) -> bool:
    """Whether a parcel zoned ``zoned`` admits a building of ``use`` (the single window's check and the plan
    check's)."""
    return use == zoned or (zoned == "mixed" and use in MIXED_ALLOWS)


class AssetStatus(models.TextChoices):
    ACTIVE = "active", _("active")
    ABANDONED = "abandoned", _("abandoned")
    PLANNED = "planned", _("planned")


# kind -> (geometry, agency code, Persian name, English name)
ASSET_KINDS = {
    "water_main": ("LineString", "water", "لوله اصلی آب", "water main"),
    "sewer": ("LineString", "water", "فاضلاب", "sewer"),
    "mv_cable": ("LineString", "power", "کابل فشار متوسط", "MV power cable"),
    "lv_cable": ("LineString", "power", "کابل فشار ضعیف", "LV power cable"),
    "gas_main": ("LineString", "gas", "لوله اصلی گاز", "gas main"),
    "gas_service": ("LineString", "gas", "انشعاب گاز", "gas service line"),
    "telecom_duct": ("LineString", "telecom", "داکت مخابرات", "telecom duct"),
    "valve": ("Point", "water", "شیر", "valve"),
    "hydrant": ("Point", "water", "شیر آتش‌نشانی", "hydrant"),
    "manhole": ("Point", "water", "منهول", "manhole"),
    "transformer": ("Point", "power", "ترانسفورماتور", "transformer"),
    "gas_regulator": ("Point", "gas", "ایستگاه تقلیل فشار", "gas regulator station"),
    "telecom_cabinet": ("Point", "telecom", "کافو مخابرات", "telecom cabinet"),
    # Nodes of hydraulic models (EPANET): where pipes meet, and where water comes from.
    "junction": ("Point", "water", "گره", "junction"),
    "reservoir": ("Point", "water", "مخزن زمینی", "reservoir"),
    "tank": ("Point", "water", "مخزن", "tank"),
    "pump": ("LineString", "water", "پمپ", "pump"),
    "pump_station": ("Point", "water", "ایستگاه پمپاژ", "pumping station"),
    # Power as it is built: low, medium and high voltage, underground and overhead, and the stations between
    # them. "transformer" is an MV/LV distribution station (what a house connection is fed from); a substation
    # (HV/MV, 63–230/20 kV) feeds MV feeders and is never offered for a connection.
    "lv_overhead": ("LineString", "power", "شبکه هوایی فشار ضعیف", "LV overhead line"),
    "mv_overhead": ("LineString", "power", "خط هوایی فشار متوسط", "MV overhead line"),
    "hv_line": ("LineString", "power", "خط فشار قوی", "HV line"),
    "substation": ("Point", "power", "پست فوق توزیع", "HV/MV substation"),
    "busbar": ("Point", "power", "شینه", "busbar"),
    # Gas: city gate and district regulator stations
    "gas_station": ("Point", "gas", "ایستگاه تقلیل فشار شهری", "city gate station"),
}

# Names agencies' files use for the kinds above (compared in lower case, with spaces, dashes and dots as "_").
# An agency adds its own in /admin/ (citymap.KindAlias); these are the common ones.
KIND_ALIASES = {
    "mv_oh": "mv_overhead", "oh_mv": "mv_overhead", "overhead_mv": "mv_overhead", "mv_line": "mv_overhead",
    "20kv_overhead": "mv_overhead", "خط_هوایی_فشار_متوسط": "mv_overhead",
    "lv_oh": "lv_overhead", "oh_lv": "lv_overhead", "overhead_lv": "lv_overhead", "خط_هوایی_فشار_ضعیف": "lv_overhead",
    "mv_ug": "mv_cable", "20kv_cable": "mv_cable", "lv_ug": "lv_cable", "0.4kv_cable": "lv_cable",
    "hv": "hv_line", "63kv_line": "hv_line", "132kv_line": "hv_line", "230kv_line": "hv_line",
    "bus": "busbar", "ext_grid": "substation", "hv_substation": "substation", "پست": "substation",
    "distribution_transformer": "transformer", "mv_lv_station": "transformer", "trafo": "transformer",
    "cgs": "gas_station", "tbs": "gas_station", "city_gate": "gas_station", "drs": "gas_regulator",
    "pipe": "water_main", "main": "water_main", "pumping_station": "pump_station",
}
# Gas networks have valves too: a valve's owner is its layer's agency, not fixed by kind.
SHARED_KINDS = {"valve"}

MATERIALS = (
    "pvc", "upvc", "hdpe", "pe", "ductile_iron", "cast_iron", "steel", "asbestos_cement", "concrete",
    "grp", "clay", "copper", "aluminium", "xlpe", "fibre", "other",
)

GEOMETRY_TYPES = ("Point", "LineString", "Polygon", "Any")


def alias_key(value: str) -> str:
    """The form an asset kind's name is compared in: search-key letters and digits (core.text.search_key: ي/ی,
    ۲۰/20 …), lower case, spaces, dashes and dots as "_"."""
    import re

    return re.sub(r"[\s\-]+|(?<=[^\d])\.|\.(?=[^\d])", "_", search_key(str(value)))
