"""Street works as one city's rows (``panjereh copydatabase --city``): a shared trench is its lead works'."""


def shared_trenches(city_id, rows):
    from panjereh.works.models import SharedTrench

    return SharedTrench._base_manager.filter(lead__in=rows("works.works").values("pk"))


RULES = {"SharedTrench": shared_trenches}
