"""The one permission module: pages, the REST API and the OGC API all ask here.

A layer hidden here is hidden everywhere, because no other module decides it.
"""

from django.db.models import Q, QuerySet


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


def visible_layers(user, layers: QuerySet | None = None) -> QuerySet:
    """The layers ``user`` may read.

    Public layers: anyone. Staff layers: any signed-in staff member. Agency layers:
    that agency's staff, and coordinators.
    """
    from panjereh.citymap.models import Layer

    layers = Layer.objects.all() if layers is None else layers
    if is_coordinator(user):
        return layers
    profile = staff_profile(user)
    if profile is None:
        return layers.filter(visibility="public")
    return layers.filter(Q(visibility__in=["public", "staff"]) | Q(agency_id=profile.agency_id))


def can_view_layer(user, layer) -> bool:
    """Whether ``user`` may read ``layer`` (same rule as :func:`visible_layers`)."""
    return visible_layers(user).filter(pk=layer.pk).exists()


def can_change_layer(user, layer) -> bool:
    """Only the owning agency's GIS staff (and superusers) may import into or roll back a layer."""
    if getattr(user, "is_superuser", False):
        return True
    profile = staff_profile(user)
    return bool(profile and profile.role == "gis" and profile.agency_id == layer.agency_id)


def can_view_parcels(user) -> bool:
    """Parcel details (plates, postal codes) are for staff, not for anonymous visitors."""
    from panjereh.citymap.models import Layer

    parcels = Layer.objects.filter(kind="parcels").first()
    if parcels is not None:
        return can_view_layer(user, parcels)
    return staff_profile(user) is not None or getattr(user, "is_superuser", False)


# --- the single window ---------------------------------------------------------------------------

def role(user) -> str | None:
    """The user's role (operator, reviewer, gis, signer, coordinator, admin), or None."""
    if getattr(user, "is_superuser", False):
        return "admin"
    profile = staff_profile(user)
    return profile.role if profile else None


def visible_applications(user, applications: QuerySet | None = None) -> QuerySet:
    """The files ``user`` may read: coordinators all; operators their office's; agency staff those their
    agency has a task in; nobody else any."""
    from panjereh.permits.models import Application

    applications = Application.objects.all() if applications is None else applications
    if is_coordinator(user):
        return applications
    profile = staff_profile(user)
    if profile is None:
        return applications.none()
    if profile.role == "operator":
        return applications.filter(office_id=profile.office_id)
    if profile.agency_id:
        return applications.filter(tasks__agency_id=profile.agency_id).distinct()
    return applications.none()


def submitting_office(user):
    """The counter office a user submits applications for; None if they may not submit."""
    profile = staff_profile(user)
    if profile and profile.role == "operator":
        return profile.office
    return None


def can_submit(user) -> bool:
    return submitting_office(user) is not None or role(user) == "admin"


def can_decide(user, agency_code: str) -> bool:
    """An agency's reviewers decide its tasks; for the municipality its signer may too."""
    profile = staff_profile(user)
    if profile is None or profile.agency is None or profile.agency.code != agency_code:
        return False
    return profile.role == "reviewer" or (profile.role == "signer" and agency_code == "municipality")


def can_take_payment(user, application) -> bool:
    """Payments are taken at the counter office that holds the file (or by an administrator)."""
    profile = staff_profile(user)
    if role(user) == "admin":
        return True
    return bool(profile and profile.role == "operator" and profile.office_id == application.office_id)


def can_activate_service(user, application) -> bool:
    return can_take_payment(user, application)


def can_certify_completion(user) -> bool:
    """The municipality's signing official issues completion certificates."""
    profile = staff_profile(user)
    return role(user) == "admin" or bool(profile and profile.role == "signer" and profile.agency
                                         and profile.agency.code == "municipality")


# --- crisis and consistency ----------------------------------------------------------------------

def can_report_incident(user) -> bool:
    """Agency staff, coordinators and the crisis staff (coordinators) record and read incidents."""
    profile = staff_profile(user)
    return is_coordinator(user) or bool(profile and profile.agency_id and profile.role in {"reviewer", "gis"})


def visible_findings(user, findings: QuerySet) -> QuerySet:
    """Each agency sees the findings about its own assets; coordinators see all."""
    if is_coordinator(user):
        return findings
    agency = user_agency_id(user)
    if agency is None:
        return findings.none()
    return findings.filter(Q(agency_id=agency) | Q(other_agency_id=agency))
