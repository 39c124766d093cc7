"""The documents a file needs before the agencies receive it, by permit type (a city's regulation)."""

from django.conf import settings

# The documents a file needs, by permit type (a city's regulation; PANJEREH_REQUIRED_DOCUMENTS overrides any type).
REQUIRED_DOCUMENTS = {
    "new": ["ownership_deed", "national_card", "survey_map", "design_drawings", "supervision_contract"],
    "extension": ["ownership_deed", "national_card", "design_drawings", "supervision_contract"],
    "renovation": ["ownership_deed", "national_card", "design_drawings"],
    "rebuild": ["ownership_deed", "national_card", "survey_map", "design_drawings", "supervision_contract",
                "soil_test"],
}


def required_documents(permit_type: str) -> list[str]:
    """The document codes a file of ``permit_type`` needs before the agencies receive it."""
    configured = getattr(settings, "PANJEREH_REQUIRED_DOCUMENTS", {}) or {}
    return list(configured.get(permit_type, REQUIRED_DOCUMENTS.get(permit_type, [])))
