"""Billing's place in the lock order (``permits/locks.py`` writes the whole order down): a payment, then its
bill — after the file's application when the bill is a file's. The gateway's return knows the payment; a cash
payment makes its row under the bill's lock, so no two paths meet the other way round."""

from panjereh.billing.models import Bill, Payment


def payment(pk: int) -> Payment:
    return Payment.objects.select_for_update().get(pk=pk)


def bill(pk: int) -> Bill:
    return Bill.objects.select_for_update().get(pk=pk)


def open_bill(application_id: int) -> Bill | None:
    """A file's first unsettled bill."""
    return Bill.objects.select_for_update().filter(application_id=application_id, settled_at__isnull=True) \
        .order_by("id").first()
