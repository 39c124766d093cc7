"""The connection's trench raised by the single window: a permit issues with its connection orders, and each
order's street works and excavation permit application are prepared from the map, with the dig check run;
the different agencies' trenches of the parcel are proposed as one."""

import pytest

from panjereh.works.models import ExcavationPermit, Works
from tests.permits.helpers import approve_all, good_parcel, pay_in_cash, request_body

pytestmark = pytest.mark.django_db


def test_a_permit_raises_its_connection_trenches(client_for, city, django_capture_on_commit_callbacks):
    r = client_for("operator1").post("/api/v1/applications/", request_body(good_parcel(city)), format="json")
    app_id = r.json()["id"]
    approve_all(client_for, app_id)
    with django_capture_on_commit_callbacks(execute=True):
        issued = pay_in_cash(client_for, app_id, "CT-1")
    assert issued["status"] == "issued"
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


def test_each_agencys_trench_is_raised_once(client_for, city,
                                             django_capture_on_commit_callbacks):
    from panjereh.works.connections import raise_trenches
    from panjereh.permits.models import Application

    r = client_for("operator1").post("/api/v1/applications/", request_body(good_parcel(city)), format="json")
    app_id = r.json()["id"]
    approve_all(client_for, app_id)
    with django_capture_on_commit_callbacks(execute=True):
        pay_in_cash(client_for, app_id, "CT-2")
    first = Works.objects.filter(connection_order__application_id=app_id).count()
    assert raise_trenches(Application.objects.get(pk=app_id)) == []  # nothing raised twice
    assert Works.objects.filter(connection_order__application_id=app_id).count() == first == 2
