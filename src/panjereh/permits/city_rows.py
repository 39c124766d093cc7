"""The single window's tables as one city's rows (``panjereh copydatabase --city``): the rows that carry no city
key of their own (:mod:`panjereh.core.citycopy` finds the others by their keys)."""


def applicants(city_id, rows):
    """An applicant is the city's if one of its files is (a person may have files in several cities: copied
    to each)."""
    from panjereh.permits.models import Applicant

    return Applicant._base_manager.filter(pk__in=rows("permits.application").values("applicant"))


def pending_papers(city_id, rows):
    """The papers still to render of the city's permits, bills and completion certificates."""
    from django.db.models import Q

    from panjereh.permits.models import PendingPaper

    kinds = {PendingPaper.Kind.PERMIT: "permits.permit", PendingPaper.Kind.BILL: "billing.bill",
             PendingPaper.Kind.COMPLETION: "permits.completioncertificate"}
    chosen = Q(pk__in=[])
    for kind, label in kinds.items():
        found = rows(label)
        if found is not None:
            chosen |= Q(kind=kind, object_id__in=found.values("pk"))
    return PendingPaper._base_manager.filter(chosen)


RULES = {"Applicant": applicants, "PendingPaper": pending_papers}
