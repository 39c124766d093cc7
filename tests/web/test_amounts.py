"""Issue 27 item 10 (in part): an amount typed wrong is answered in the reader's language by the shared parser,
never with Python's own words. Before: "invalid literal for int() with base 10: '12a'" on the counter's file
page."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from panjereh.billing.models import Payment
from tests.permits.helpers import approve_all, good_parcel, request_body

pytestmark = pytest.mark.django_db


def test_a_mistyped_amount_at_the_counter_is_named_not_a_traceback(client_for, city):
    app = client_for("operator1").post("/api/v1/applications/", request_body(good_parcel(city)), format="json").json()
    approve_all(client_for, app["id"])
    page = Client()
    page.force_login(get_user_model().objects.get(username="operator1"))
    answer = page.post(f"/files/{app['id']}/", {"action": "pay", "provider": "cash", "amount": "12a",
                                                "reference": "R-1"})
    text = answer.content.decode()
    assert "invalid literal" not in text and "«\u206812a\u2069»" in text  # the value quoted, isolated
    assert not Payment.objects.filter(bill__application_id=app["id"]).exists()
