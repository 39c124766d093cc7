"""The words of the shared map: land uses, asset kinds, statuses, materials.

These are the codes stored in the database and accepted in imported files.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class LandUse(models.TextChoices):
    RESIDENTIAL = "residential", _("residential")
    COMMERCIAL = "commercial", _("commercial")
    ADMINISTRATIVE = "administrative", _("administrative")
    INDUSTRIAL = "industrial", _("industrial")
    EDUCATIONAL = "educational", _("educational")
    HEALTH = "health", _("health")
    GREEN_SPACE = "green_space", _("green space")
    MIXED = "mixed", _("mixed")


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
}
# Gas networks have valves too: a valve's owner is its layer's agency, not fixed by kind.
SHARED_KINDS = {"valve"}

MATERIALS = (
    "pvc", "upvc", "hdpe", "pe", "ductile_iron", "cast_iron", "steel", "asbestos_cement", "concrete",
    "grp", "clay", "copper", "aluminium", "xlpe", "fibre", "other",
)

GEOMETRY_TYPES = ("Point", "LineString", "Polygon", "Any")
