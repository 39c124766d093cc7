"""Write the audit record and the outbox event of a state change.

Call both from inside the service's ``transaction.atomic()`` block, so that the
change, its audit row and its event commit or roll back together.
"""

from panjereh.core import consumers, events
from panjereh.core.models import AuditRecord, ConsumerDelivery, OutboxEvent


def user_or_none(actor):
    """The user a record names as who acted: ``actor`` when it is a signed-in user, else None (the system, a
    command, a worker, an agency's system acting through its token user). One rule for every ``*_by`` field."""
    return actor if getattr(actor, "is_authenticated", False) else None


def record(*, actor, action: str, obj, data: dict | None = None) -> AuditRecord:
    """Record that ``actor`` did ``action`` to ``obj``."""
    user = user_or_none(actor)
    return AuditRecord.objects.create(actor=user, action=action, object_type=obj._meta.label_lower,
                                      object_id=str(obj.pk), data=data or {})


def emit(*, event_type: str, agency_code: str = "", parcel_id=None, payload: dict | None = None) -> OutboxEvent:
    """Queue an event for delivery to the agencies' systems after commit, and for every consumer of it among
    Panjereh's own apps (:mod:`panjereh.core.consumers`) — in the caller's transaction, so the change, its event
    and the effects it owes commit together. A type not in the catalogue (:mod:`panjereh.core.events`) is
    refused."""
    from django.utils import timezone

    events.check(event_type)
    event = OutboxEvent.objects.create(event_type=event_type, agency_code=agency_code, parcel_id=parcel_id,
                                       payload=payload or {})
    wanting = consumers.wanting(event_type)
    if wanting:
        now = timezone.now()
        ConsumerDelivery.objects.bulk_create([ConsumerDelivery(event=event, consumer=name, next_attempt_at=now)
                                              for name in wanting])
    return event
