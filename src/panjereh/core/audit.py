"""Write the audit record and the outbox event of a state change.

Call both from inside the service's ``transaction.atomic()`` block, so that the
change, its audit row and its event commit or roll back together.
"""

from panjereh.core.models import AuditRecord, OutboxEvent


def record(*, actor, action: str, obj, data: dict | None = None) -> AuditRecord:
    """Record that ``actor`` did ``action`` to ``obj``."""
    user = actor if getattr(actor, "is_authenticated", False) else None
    return AuditRecord.objects.create(actor=user, action=action, object_type=obj._meta.label_lower,
                                      object_id=str(obj.pk), data=data or {})


def emit(*, event_type: str, agency_code: str = "", parcel_id=None, payload: dict | None = None) -> OutboxEvent:
    """Queue an event for delivery to the agencies' systems after commit."""
    return OutboxEvent.objects.create(event_type=event_type, agency_code=agency_code, parcel_id=parcel_id,
                                      payload=payload or {})
