"""Bills as one city's rows (``panjereh copydatabase --city``): a file's bills, and the bills of recovery
charges for street works in the city (they have no file)."""

from django.db.models import Q


def bills(city_id, rows):
    from panjereh.billing.models import Bill

    of_files = Q(application__in=rows("permits.application").values("pk"))
    charges = rows("works.recoverycharge")
    of_works = Q(application__isnull=True, pk__in=charges.values("bill")) if charges is not None else Q(pk__in=[])
    return Bill._base_manager.filter(of_files | of_works)


RULES = {"Bill": bills}
