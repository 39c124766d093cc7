"""The subscribers of a network on a set of parcels, as the single window knows them: the applicants whose
connection of that agency was installed (registered into ``citymap.subscribers`` at start-up)."""

from panjereh.permits.models import ConnectionOrder

CHUNK = 900  # parameters per query (SQLite's limit is 999)


def installed_mobiles(parcel_ids: list[int], agency_code: str) -> dict[str, int]:
    """{mobile: parcel} of every installed connection of ``agency_code`` on these parcels."""
    found: dict[str, int] = {}
    for start in range(0, len(parcel_ids), CHUNK):
        rows = ConnectionOrder.objects.filter(
            agency__code=agency_code, status=ConnectionOrder.Status.INSTALLED,
            application__parcel_id__in=parcel_ids[start:start + CHUNK]).exclude(application__applicant_mobile="") \
            .order_by("application__parcel_id", "id").values_list("application__applicant_mobile",
                                                                   "application__parcel_id")
        for mobile, parcel in rows:
            found.setdefault(mobile, parcel)
    return found
