"""Who may read and act on a file of the single window: submit, check documents, decide, take payment, sign,
record a connection, read a ledger. Application rows are looked up by label, not imported (see ``layers``)."""

from django.apps import apps
from django.db.models import Q, QuerySet

from panjereh.access.cities import in_cities
from panjereh.access.roles import (
    MUNICIPALITY,
    agency_code,
    agency_kind,
    is_coordinator,
    is_municipality_staff,
    role,
    staff_profile,
    staff_role,
)


def visible_applications(user, applications: QuerySet | None = None) -> QuerySet:
    """The files ``user`` may read: coordinators all; operators their office's; agency staff those their
    agency has a task in; nobody else any."""
    applications = apps.get_model("permits", "Application").objects.all() if applications is None else applications
    if is_coordinator(user):
        return applications
    profile = staff_profile(user)
    if profile is None:
        return applications.none()
    # files sent from home wait for a document check at the municipality or any counter office: those who
    # check them read them while they wait (afterwards, as any other file)
    waiting = Q(status="awaiting_check", office__isnull=True)
    applications = in_cities(user, applications)
    if profile.role == "operator":
        return applications.filter(Q(office_id=profile.office_id) | waiting)
    if profile.agency_id:
        if can_check_documents(user):
            return applications.filter(Q(tasks__agency_id=profile.agency_id) | waiting).distinct()
        return applications.filter(tasks__agency_id=profile.agency_id).distinct()
    return applications.none()


def can_check_documents(user) -> bool:
    """Who checks the documents of a file sent from home: counter operators, the municipality's reviewers
    and signer, administrators."""
    return role(user) == "admin" or staff_role(user) == "operator" or is_municipality_staff(user, {"reviewer", "signer"})


def submitting_office(user):
    """The counter office a user submits applications for; None if they may not submit."""
    profile = staff_profile(user)
    if profile and profile.role == "operator":
        return profile.office
    return None


def can_submit(user) -> bool:
    return submitting_office(user) is not None or role(user) == "admin"


def can_decide(user, agency: str) -> bool:
    """An agency's reviewers decide its tasks (``agency`` is its code); for the municipality its signer may too."""
    if agency_code(user) != agency:
        return False
    return staff_role(user) == "reviewer" or (staff_role(user) == "signer" and agency_kind(user) == MUNICIPALITY)


def can_take_payment(user, application) -> bool:
    """Payments are taken at the counter office that holds the file (or by an administrator)."""
    profile = staff_profile(user)
    if role(user) == "admin":
        return True
    return bool(profile and profile.role == "operator" and profile.office_id == application.office_id)


def can_answer_for_applicant(user, application) -> bool:
    """The applicant's answers to an agency's question are recorded at the office that holds the file."""
    return can_take_payment(user, application)


def can_add_document(user, application) -> bool:
    """Who adds a document to a file on its page: the counter office that holds it (or any counter or the
    municipality while a file from home waits for its check), and the staff of an agency reviewing it."""
    if can_take_payment(user, application):
        return True
    if application.status == "awaiting_check" and can_check_documents(user):
        return True
    profile = staff_profile(user)
    return bool(profile and profile.agency_id and profile.role in {"reviewer", "signer"}
                and application.tasks.filter(agency_id=profile.agency_id).exists())


def document_source(user) -> str:
    """How a file's document added by ``user`` is recorded: by an agency (its staff, other than the
    municipality's, which keeps the counter's file) or at the counter."""
    code = agency_code(user)
    return "agency" if code and agency_kind(user) != MUNICIPALITY and staff_role(user) in {"reviewer", "gis", "signer"} else "counter"


def can_waive_document(user) -> bool:
    """The municipality's signing official (or an administrator) lets a file go without a required document."""
    return can_certify_completion(user)


def can_activate_service(user, application) -> bool:
    return can_take_payment(user, application)


def connection_agency_ids(user) -> set[int] | None:
    """Whose connection orders ``user`` may see: None for all (coordinators), else a set of agency ids."""
    if is_coordinator(user):
        return None
    profile = staff_profile(user)
    if profile and profile.agency_id and profile.role in {"reviewer", "gis", "signer"}:
        return {profile.agency_id}
    return set()


def can_record_connection(user, agency: str) -> bool:
    """An agency's own staff (``agency`` is its code) record its connections installed."""
    return agency_code(user) == agency and staff_role(user) in {"reviewer", "gis"}


def ledger_agency_ids(user) -> set[int] | None:
    """Whose ledger ``user`` may read: None for every agency (coordinators, and the municipality, which
    reconciles the one bill for everyone), else their own agency's."""
    if is_coordinator(user):
        return None
    profile = staff_profile(user)
    if profile is None or profile.agency is None or profile.role not in {"reviewer", "signer"}:
        return set()
    if profile.agency.kind == MUNICIPALITY:  # its cities' (the ledger page narrows by city)
        return None
    return {profile.agency_id}


def can_certify_completion(user) -> bool:
    """The municipality's signing official issues completion certificates."""
    return role(user) == "admin" or is_municipality_staff(user, {"signer"})


def can_decide_appeals(user) -> bool:
    """The city's appeal body: the municipality's staff of ``PANJEREH_APPEAL_ROLE`` (its signing official by
    default) and administrators; each decides the appeals of the files of the cities they work in."""
    from django.conf import settings

    return role(user) == "admin" or is_municipality_staff(user, {settings.PANJEREH_APPEAL_ROLE})


def can_refund(user) -> bool:
    """The city's treasury gives a payment back: the coordinators, administrators and the municipality's signing
    official (who signs the permits the money paid for)."""
    return role(user) in ("admin", "coordinator") or is_municipality_staff(user, {"signer"})


def can_inspect_buildings(user) -> bool:
    """The municipality's reviewers and signing officials (and administrators) open the building inspections'
    desk; recording one also needs the person's engineer record (``permits.services.supervision``), whose grade
    must admit the building."""
    return role(user) == "admin" or is_municipality_staff(user, {"reviewer", "signer"})


def complaints_for(user):
    """The complaints ``user`` answers: their agency's, in the cities they work in (the agency's reviewers and
    signers); every escalated one for the independent body (the province's coordinators); none for others."""
    Complaint = apps.get_model("permits", "Complaint")
    if is_coordinator(user):
        return Complaint.objects.all()
    profile = staff_profile(user)
    if profile is None or not profile.agency_id or profile.role not in {"reviewer", "signer"}:
        return Complaint.objects.none()
    return in_cities(user, Complaint.objects.filter(agency_id=profile.agency_id), "application__city")
