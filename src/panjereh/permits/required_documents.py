"""The documents a file needs before the agencies receive it, by permit type: a city's regulation, kept as rows
(``permits.DocumentRequirement``) its staff edit in the admin. ``REQUIRED_DOCUMENTS`` is only what a new city
starts with (permits migration 0021)."""

from panjereh.permits.models import DocumentRequirement

REQUIRED_DOCUMENTS = {
    "new": ["ownership_deed", "national_card", "survey_map", "design_drawings", "supervision_contract"],
    "extension": ["ownership_deed", "national_card", "design_drawings", "supervision_contract"],
    "renovation": ["ownership_deed", "national_card", "design_drawings"],
    "rebuild": ["ownership_deed", "national_card", "survey_map", "design_drawings", "supervision_contract",
                "soil_test"],
}


def required_documents(permit_type: str) -> list[str]:
    """The document codes a file of ``permit_type`` needs before the agencies receive it, in their order."""
    return list(DocumentRequirement.objects.filter(permit_type=permit_type).order_by("position", "id")
                .values_list("kind", flat=True))


def load_defaults(requirement_model, using: str = "default") -> None:
    """The defaults, for the permit types that have no requirement yet (never over a city's own list)."""
    for permit_type, kinds in REQUIRED_DOCUMENTS.items():
        if requirement_model.objects.using(using).filter(permit_type=permit_type).exists():
            continue
        requirement_model.objects.using(using).bulk_create(
            [requirement_model(permit_type=permit_type, kind=kind, position=i) for i, kind in enumerate(kinds)])
