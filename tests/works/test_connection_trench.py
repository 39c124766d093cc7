"""The connection's trench raised by the single window: a permit issues with its connection orders, and each
order's street works and excavation permit application are prepared from the map, with the dig check run;
the different agencies' trenches of the parcel are proposed as one."""

import pytest

from panjereh.works.models import ExcavationPermit, Works
from tests.permits.helpers import approve_all, good_parcel, pay_in_cash, request_body

pytestmark = pytest.mark.django_db


def worker_pass():
    """One pass of the worker, as `panjereh worker` runs it: every registered job, the consumers among them."""
    from panjereh.integrations import delivery

    return delivery.run_once("test-worker")


def test_a_permit_raises_its_connection_trenches(client_for, city):
    r = client_for("operator1").post("/api/v1/applications/", request_body(good_parcel(city)), format="json")
    app_id = r.json()["id"]
    approve_all(client_for, app_id)
    issued = pay_in_cash(client_for, app_id, "CT-1")
    assert issued["status"] == "issued"
    assert worker_pass()["consumers_done"] >= 2  # the trenches are the worker's: an outbox consumer
    works = list(Works.objects.filter(connection_order__application_id=app_id).select_related("agency"))
    # one works per agency: the water company's water and sewer branches are one job
    assert sorted(w.agency.code for w in works) == ["power", "water"]
    assert "فاضلاب" in next(w.title for w in works if w.agency.code == "water")
    # water (and its sewer) and power: one trench for the two agencies, under the lead's one permit
    assert len({w.shared_trench_id for w in works}) == 1 and works[0].shared_trench_id is not None
    lead = works[0].shared_trench.lead
    permit = ExcavationPermit.objects.get(works=lead)
    assert Works.objects.get(pk=lead.pk).status == "applied" and all(w.works_class == "minor" and w.streets
                                                                     for w in works)
    assert permit.dig_check["total"] >= 1 and permit.fee > 0
    assert ExcavationPermit.objects.filter(works__in=works).count() == 1


def test_each_agencys_trench_is_raised_once(client_for, city):
    from panjereh.works.connections import raise_trenches
    from panjereh.permits.models import Application

    r = client_for("operator1").post("/api/v1/applications/", request_body(good_parcel(city)), format="json")
    app_id = r.json()["id"]
    approve_all(client_for, app_id)
    pay_in_cash(client_for, app_id, "CT-2")
    worker_pass()
    first = Works.objects.filter(connection_order__application_id=app_id).count()
    assert raise_trenches(Application.objects.get(pk=app_id)) == []  # nothing raised twice
    assert Works.objects.filter(connection_order__application_id=app_id).count() == first == 2


def test_the_trench_survives_a_process_that_stops_after_the_commit(client_for, city, monkeypatch):
    """Issue 27 item 1. Before: the trench was raised by a post_save signal through on_commit, in the process
    that issued the permit — stopped right after the commit, the trench was never raised. Now the effect is an
    outbox consumer written in the permit's own transaction: nothing is raised at the commit; a worker that dies
    half-way through raising (its writes rolled back with it) leaves the delivery to the next pass; the next
    worker raises each agency's trench exactly once, and later passes add nothing."""
    from panjereh.core import consumers
    from panjereh.core.models import ConsumerDelivery

    r = client_for("operator1").post("/api/v1/applications/", request_body(good_parcel(city)), format="json")
    app_id = r.json()["id"]
    approve_all(client_for, app_id)
    pay_in_cash(client_for, app_id, "CT-3")
    owed = ConsumerDelivery.objects.filter(consumer="works.connection_trench",
                                           event__payload__application=r.json()["tracking_code"])
    assert owed.count() >= 2 and set(owed.values_list("status", flat=True)) == {"pending"}
    assert not Works.objects.filter(connection_order__application_id=app_id).exists()  # the commit raised nothing
    real = consumers._CONSUMERS["works.connection_trench"]

    def dies_half_way(event):
        real.handle(event)  # the trench is written …
        raise SystemError("the worker's process died")  # … and the worker dies before it is done

    monkeypatch.setitem(consumers._CONSUMERS, "works.connection_trench",
                        consumers.Consumer(real.name, real.event_types, dies_half_way))
    assert consumers.run_once("dying-worker").get("retry") == owed.count()
    assert not Works.objects.filter(connection_order__application_id=app_id).exists()  # rolled back with it
    monkeypatch.setitem(consumers._CONSUMERS, "works.connection_trench", real)
    from django.utils import timezone

    owed.update(next_attempt_at=timezone.now())  # its back-off over
    assert worker_pass()["consumers_done"] == owed.count()
    raised = sorted(Works.objects.filter(connection_order__application_id=app_id).values_list("agency__code",
                                                                                                flat=True))
    assert raised == ["power", "water"]
    worker_pass()
    assert Works.objects.filter(connection_order__application_id=app_id).count() == 2
    assert set(owed.values_list("status", flat=True)) == {"done"}
