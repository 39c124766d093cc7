"""The street works as an OGC API – Features collection (``/ogc/collections/works/``), for GIS clients
(QGIS, GDAL): the same works and permissions as the REST API, every status but cancelled."""

from django.utils.translation import gettext_lazy as _

from panjereh import access
from panjereh.citymap import fence
from panjereh.citymap.ogc import ExtraCollection, register_collection
from panjereh.works.models import Works


def visible_works(user):
    """The works ``user`` may read through OGC (agencies' staff and coordinators), or None."""
    if not access.can_view_works(user):
        return None
    return fence.within(user, Works.objects, "geom").select_related("agency").exclude(status=Works.Status.CANCELLED)


def properties(works) -> dict:
    """A works' properties as GIS staff read them (the contact too: it is there for coordination)."""
    return {"agency": works.agency.code, "reference": works.reference, "title": works.title, "kind": works.kind,
            "works_class": works.works_class, "status": works.status, "streets": works.streets,
            "start_date": str(works.start_date), "end_date": str(works.end_date), "surface": works.surface,
            "depth_m": works.depth_m, "contact": works.contact}


def register() -> None:
    """Add the works collection to the OGC API (called once, when the app is ready)."""
    register_collection(ExtraCollection(id="works", title=_("Street works"),
                                        description=_("Every agency's street works: plans, permits, digging, "
                                                      "reinstatement"),
                                        queryset=visible_works, properties=properties))
