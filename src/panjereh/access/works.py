"""Who sees, records, decides, bills and inspects street works."""

from panjereh.access.files import can_decide
from panjereh.access.roles import (
    MUNICIPALITY,
    agency_code,
    is_coordinator,
    is_municipality_staff,
    role,
    staff_profile,
    staff_role,
)


def can_view_works(user) -> bool:
    """Every agency's staff see every agency's works (that is the point: dig once), and the coordinators (the
    commission); counter operators do not; the public reads the WZDx feed, with no contacts or notes."""
    profile = staff_profile(user)
    return bool(profile and profile.agency_id) or is_coordinator(user)


def can_manage_works(user, agency: str) -> bool:
    """An agency's GIS staff and reviewers record its own works (``agency`` is its code) and their progress;
    nobody another's."""
    return agency_code(user) == agency and staff_role(user) in {"gis", "reviewer"}


def can_decide_excavation(user) -> bool:
    """The municipality's reviewers and its signer decide excavation permits."""
    return can_decide(user, MUNICIPALITY)


def works_bill_agency_ids(user) -> set[int] | None:
    """Whose street-works bills ``user`` may read: None for every agency (coordinators, and the municipality's
    staff, who bill them), else their own agency's (what it owes); nobody else any."""
    if is_coordinator(user):
        return None
    profile = staff_profile(user)
    if profile is None or profile.agency is None:
        return set()
    return None if profile.agency.code == MUNICIPALITY else {profile.agency_id}


def can_record_agency_payment(user) -> bool:
    """The municipality's reviewers and signer record an agency's transfer paying its street-works bill (the
    municipality is the payee: an agency cannot mark its own bill paid)."""
    return can_decide(user, MUNICIPALITY) or role(user) == "admin"


def can_inspect_works(user) -> bool:
    """The municipality's staff (reviewers, GIS, signer) and the coordinators record inspections of works —
    never the agency whose works are inspected."""
    return is_coordinator(user) or is_municipality_staff(user, {"reviewer", "gis", "signer"})
