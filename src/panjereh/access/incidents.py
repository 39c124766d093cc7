"""Who records and reads incidents, and who sees and acts on the consistency findings."""

from django.db.models import Q, QuerySet

from panjereh.access.roles import is_coordinator, staff_profile, user_agency_id


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


def can_view_findings(user) -> bool:
    """Agency staff see their agency's consistency findings; coordinators the city's."""
    return is_coordinator(user) or user_agency_id(user) is not None


def can_act_on_finding(user, finding) -> bool:
    """An agency's reviewers and GIS staff acknowledge, fix or dismiss the findings about its own assets (the
    agency named first, or the other agency of a clearance finding); coordinators any. Others read at most."""
    if is_coordinator(user):
        return True
    profile = staff_profile(user)
    if profile is None or profile.agency_id is None or profile.role not in {"reviewer", "gis"}:
        return False
    return profile.agency_id in (finding.agency_id, finding.other_agency_id)
