"""How reliably each network serves, from the crisis room's incidents: the IEEE 1366 interruption indices,
per network and Jalali month.

- SAIDI = Σ (customers interrupted × minutes without supply) / customers served — minutes lost per customer;
- SAIFI = Σ customers interrupted / customers served — interruptions per customer.

A customer is a parcel (every parcel of the map is served by every network: the map does not yet hold
subscriber registers); the customers interrupted by an incident are the parcels its response cut off (the
valves closed, or the transformer opened); its minutes run from when supply stopped (``starts_at``: the report,
or a planned interruption's announced start) to when it came back (``restored_at``). An incident still open is
counted when it closes. Planned interruptions are counted, and also shown apart (B-READY asks for both).
"""

from collections import defaultdict

from panjereh.citymap.models import Parcel
from panjereh.core.calendar import local_date
from panjereh.crisis.models import Incident
from panjereh.crisis.services import affected_parcels
from panjereh.indicators.measures import jalali_month


def interruptions(city: int | None = None):
    """(network, Jalali month, planned, customers interrupted, minutes) of every closed interruption; with a
    ``city``, its customers alone are counted (an interruption that cut none of them is not its)."""
    in_city = None if city is None else set(Parcel.objects.filter(city_id=city).values_list("pk", flat=True))
    rows = []
    for incident in Incident.objects.filter(status=Incident.Status.CLOSED, restored_at__isnull=False,
                                            starts_at__isnull=False).order_by("starts_at", "id"):
        if incident.network is None:
            continue
        minutes = max((incident.restored_at - incident.starts_at).total_seconds() / 60.0, 0.0)
        cut = affected_parcels(incident.response)
        customers = len(cut) if in_city is None else len(in_city.intersection(cut))
        if in_city is not None and not customers:
            continue
        rows.append((incident.network, jalali_month(local_date(incident.starts_at)), incident.planned, customers,
                     minutes))
    return rows


def by_network_month(city: int | None = None) -> list[dict]:
    """One row per network and month: interruptions (planned among them), customers served, SAIDI, SAIFI —
    of the deployment, or of one city's customers."""
    served = (Parcel.objects if city is None else Parcel.objects.filter(city_id=city)).count()
    cells: dict = defaultdict(lambda: {"interruptions": 0, "planned": 0, "customers": 0, "customer_minutes": 0.0})
    for network, month, planned, customers, minutes in interruptions(city):
        cell = cells[(network, month)]
        cell["interruptions"] += 1
        cell["planned"] += int(planned)
        cell["customers"] += customers
        cell["customer_minutes"] += customers * minutes
    out = []
    for (network, month), cell in sorted(cells.items()):
        out.append({"network": network, "month": month, "interruptions": cell["interruptions"],
                    "planned": cell["planned"], "customers_served": served,
                    "saidi_minutes": round(cell["customer_minutes"] / served, 3) if served else None,
                    "saifi": round(cell["customers"] / served, 5) if served else None})
    return out
