"""Who signs a paper, as the paper names them: the official the city marked as signing its papers (a staff
profile with ``signs_papers``), never a username. Papers read their name and title from here."""

from panjereh.agencies.codes import MUNICIPALITY
from panjereh.agencies.models import StaffProfile


def signing_official(agency_code: str = MUNICIPALITY) -> StaffProfile | None:
    """The agency's official who signs its papers: the active profile marked ``signs_papers`` (the lowest id
    if the admin marked several), else its first active signer; None when the agency has neither."""
    profiles = StaffProfile.objects.select_related("user", "agency").filter(
        agency__code=agency_code, user__is_active=True)
    return (profiles.filter(signs_papers=True).order_by("id").first()
            or profiles.filter(role="signer").order_by("id").first())


def signature_of(user, language: str = "fa") -> dict | None:
    """{"name", "title"} of a user as a paper prints them (their staff profile's name and title); None for
    nobody."""
    if user is None:
        return None
    profile = getattr(user, "staff", None)
    if profile is None:
        return {"name": user.get_full_name() or user.get_username(), "title": ""}
    return {"name": profile.display_name(language), "title": profile.display_title(language)}
