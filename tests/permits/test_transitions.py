"""Issue 27 item 9: one status transition table (permits/transitions.py) that the services, the views and the
templates all ask; a refused action changes nothing (tests/snapshot.py)."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from panjereh.permits import services, transitions
from panjereh.permits.models import Application, FileDocument, ReviewTask
from panjereh.billing.models import Bill, Payment
from tests.permits.helpers import approve_all, good_parcel, pay_in_cash, request_body
from tests.snapshot import unchanged

pytestmark = pytest.mark.django_db


def _page(path: str) -> str:
    client = Client()
    client.force_login(get_user_model().objects.get(username="operator1"))
    response = client.get(path)
    assert response.status_code == 200
    return response.content.decode()


def test_the_table_speaks_of_the_models_statuses_only():
    assert set(transitions.STATUSES) == set(Application.Status.values)
    assert set(Application.CLOSED) == set(transitions.CLOSED)
    for action, (allowed, to) in transitions.TABLE.items():
        assert allowed and allowed <= set(transitions.STATUSES), action
        assert to is None or to in transitions.STATUSES, action
    # every status but the closed ones leads somewhere; a closed file allows nothing that adds to it
    for status in transitions.OPEN:
        assert any(status in allowed and to for allowed, to in transitions.TABLE.values()), status
    assert not any(transitions.allows(s, "add_document") for s in transitions.CLOSED)


def test_the_services_and_the_page_ask_the_table(client_for, city):
    """An issued file: resubmitting it is refused by the service with nothing changed, and its page shows no
    resubmission form; a refused file shows it. Before, the page decided from its own list of statuses."""
    app = client_for("operator1").post("/api/v1/applications/", request_body(good_parcel(city)), format="json").json()
    approve_all(client_for, app["id"])
    pay_in_cash(client_for, app["id"], "R-TT-1")
    issued = Application.objects.get(pk=app["id"])
    assert issued.status == "issued" and not issued.allows("resubmit") and issued.allows("certify_completion")
    with unchanged(Application, ReviewTask, Bill, Payment, FileDocument):
        with pytest.raises(services.Conflict):
            services.resubmit_application(actor=None, application=issued, permit={"floors": 3})
        with pytest.raises(services.Conflict):
            services.accept_documents(actor=None, application=issued)
    page = _page(f"/files/{issued.pk}/")
    assert 'id="resubmit"' not in page and 'id="complete"' not in page  # the operator does not certify

    other = client_for("operator1").post("/api/v1/applications/", request_body(good_parcel(city)),
                                         format="json").json()
    r = client_for("reviewer.water").post(f"/api/v1/applications/{other['id']}/reviews/water/decision/",
                                          {"decision": "reject", "reason": 1}, format="json")
    assert r.status_code == 200, r.json()
    refused = Application.objects.get(pk=other["id"])
    assert refused.status == "rejected" and refused.allows("resubmit")
    assert 'id="resubmit"' in _page(f"/files/{refused.pk}/")
