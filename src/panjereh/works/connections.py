"""The connection's trench, raised by the single window itself: when a permit issues with connection orders,
each order gets its street works and excavation permit application prepared — the trench from the nearest
main of that network (the shared map's own feasibility answer) to the parcel — so the utility never comes back
to the counter for a digging permit. The parcel's trenches of different agencies are proposed as one.

The permits app knows nothing of this: it emits ``connection.ordered`` with each order; this module consumes
that event (works.apps registers the consumer): the worker runs it at least once after the permit's commit,
and it is idempotent (:mod:`panjereh.core.consumers`)."""

import datetime
import json
import logging

import shapely
from django.utils import timezone

from panjereh.citymap import crs as crsmod
from panjereh.citymap.models import Feature
from panjereh.core.calendar import add_working_days, local_date
from panjereh.permits.models import ConnectionOrder
from panjereh.works import services
from panjereh.works.models import Works
from panjereh.works.rules import rules

log = logging.getLogger(__name__)


CONNECTION_WORKS_TITLE = "حفاری انشعاب"


def trench_for(order):
    """The trench of one connection: the shortest line from the network's nearest asset to the parcel, or
    None when the map has no asset for it (the order then waits for the agency's own survey)."""
    feasibility = order.application.feasibility or {}
    entry = next((s for s in feasibility.get("services", []) if s.get("service") == order.service.code), None)
    nearest = (entry or {}).get("nearest")
    if not nearest:
        return None
    asset = Feature.objects.filter(pk=nearest["id"]).first()
    if asset is None:
        return None
    line = shapely.shortest_line(shapely.from_wkb(bytes(asset.geom.wkb)),
                                 shapely.from_wkb(bytes(order.application.parcel.geom.wkb)))
    if line.length < 0.5:  # the asset touches the parcel: a trench of half a metre still needs its permit
        line = shapely.LineString([line.coords[0], shapely.Point(line.coords[0]).buffer(0.5).exterior.coords[0]])
    return line


def raise_trenches(application) -> list:
    """Prepare the street works and apply for the excavation permit of a file's connections — one works per
    agency (the water company's water and sewer branches are one job) — then propose the different agencies'
    trenches as one. Returns the works made."""
    # an agency whose trench for this file is raised already is not raised again (each new order of one permit
    # calls this once its transaction commits; a service activated later brings its own agency's trench)
    raised = set(Works.objects.filter(connection_order__application=application).values_list("agency_id", flat=True))
    made = []
    start = add_working_days(local_date(timezone.now()), rules()["classes"]["minor"]["notice_days"] + 1)
    by_agency: dict[int, list] = {}
    for order in application.connection_orders.select_related("service", "agency", "application__parcel") \
            .order_by("id"):
        if order.agency_id not in raised:
            by_agency.setdefault(order.agency_id, []).append(order)
    for orders in by_agency.values():
        lines = [line for line in (trench_for(o) for o in orders) if line is not None]
        if not lines:
            continue
        geometry = lines[0] if len(lines) == 1 else shapely.MultiLineString(lines)
        first = orders[0]
        data = {"geometry": json.loads(shapely.to_geojson(crsmod.to_crs84(geometry))),
                "reference": f"CONN-{first.pk}",
                # the title is public (the WZDx feed, the works map): what is dug, never whose file it is
                "title": f"{'، '.join(o.service.name_fa for o in orders)} — {CONNECTION_WORKS_TITLE}",
                "works_class": "minor", "start_date": start, "end_date": start + datetime.timedelta(days=2),
                "depth_m": None, "surface": "asphalt"}
        try:
            works = services.register_works(actor=None, agency=first.agency, data=data, connection_order=first)
        except (services.WorksError, services.WorksConflictState) as exc:
            # the trench cannot be raised from the map (not on a street, the agency's own works there): the
            # orders stand; the agency files its works itself
            log.info("connections %s: no trench raised (%s)", [o.pk for o in orders], exc)
            continue
        made.append(works)
    applying = made
    if len(made) > 1:
        try:  # one trench for the agencies' branches: one permit, the lead's, its fee split
            services.propose_shared_trench(actor=None, works=made)
            applying = made[:1]
        except services.WorksError as exc:
            log.info("file %s: connections not shared (%s)", application.pk, exc)
    for works in applying:
        try:
            services.apply_for_permit(actor=None, works=works)
        except (services.WorksError, services.WorksConflictState) as exc:
            log.info("works %s: no permit applied for (%s)", works.pk, exc)
    return made


def on_connection_ordered(event) -> None:
    """The consumer of ``connection.ordered`` (:mod:`panjereh.core.consumers`): raise the file's trenches.
    Idempotent — an agency whose trench for the file is raised is not raised again — so a delivery run twice
    (a worker that died after the effect, before marking it done) raises nothing twice. A trench the map
    cannot raise is logged inside :func:`raise_trenches`; the agency files its works itself."""
    order = ConnectionOrder.objects.select_related("application").filter(pk=event.payload.get("order")).first()
    if order is None:
        return
    raise_trenches(order.application)
