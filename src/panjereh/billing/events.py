"""Billing's outbox events (the catalogue: :mod:`panjereh.core.events`)."""

EVENTS = {
    "bill.created": "a bill was issued (a file's one bill, or an agency's street-works bill)",
    "bill.paid": "a bill was paid in full; each agency's share is booked",
}
