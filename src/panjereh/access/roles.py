"""Who a user is to Panjereh: their staff profile, agency and role. Everything else in ``access`` asks here."""

from panjereh.agencies.codes import MUNICIPALITY  # the agency that holds the single window


def staff_profile(user):
    """The user's StaffProfile, or None for anonymous users and users without one."""
    if not getattr(user, "is_authenticated", False):
        return None
    return getattr(user, "staff", None)


def user_agency_id(user):
    """The id of the agency the user acts for, or None."""
    profile = staff_profile(user)
    return profile.agency_id if profile else None


def is_coordinator(user) -> bool:
    """Coordinators, administrators and superusers read everything."""
    if getattr(user, "is_superuser", False):
        return True
    profile = staff_profile(user)
    return bool(profile and profile.role in {"coordinator", "admin"})


def role(user) -> str | None:
    """The user's role (operator, reviewer, gis, signer, coordinator, admin), or None."""
    if getattr(user, "is_superuser", False):
        return "admin"
    profile = staff_profile(user)
    return profile.role if profile else None


def staff_role(user) -> str | None:
    """The role written on the user's staff profile (a superuser's own profile too), or None."""
    profile = staff_profile(user)
    return profile.role if profile else None


def agency_code(user) -> str | None:
    """The code of the agency the user acts for (``water``, ``municipality``…), or None."""
    profile = staff_profile(user)
    return profile.agency.code if profile and profile.agency_id else None


def agency_kind(user) -> str | None:
    """What the agency the user acts for is (``municipality``, ``water``…): a second city's municipality has
    its own code and the kind municipality."""
    profile = staff_profile(user)
    return profile.agency.kind or profile.agency.code if profile and profile.agency_id else None


def is_municipality_staff(user, roles: set[str]) -> bool:
    """Whether ``user`` is a municipality's staff (their city's) in one of ``roles``."""
    profile = staff_profile(user)
    return bool(profile and profile.role in roles and agency_kind(user) == MUNICIPALITY)
