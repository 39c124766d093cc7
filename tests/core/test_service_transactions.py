"""Issue 27 item 4: every public service opens a durable transaction, so one service called inside another's
transaction fails loudly instead of committing with it; an outbox consumer composes services on purpose."""

import pytest
from django.db import transaction

from panjereh.core import service_tx
from panjereh.crisis import services as crisis
from panjereh.crisis.models import Incident


def test_a_service_inside_another_transaction_fails_loudly(city):
    before = Incident.objects.count()
    with pytest.raises(RuntimeError, match="durable"):
        with transaction.atomic():
            crisis.run_consistency()
    assert Incident.objects.count() == before


def test_services_compose_only_where_the_caller_says_so(city):
    with service_tx.composing():
        crisis.run_consistency()
        crisis.run_consistency()  # two services, one transaction: each a savepoint of it
