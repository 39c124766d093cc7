"""The kernel's tables as one city's rows (``panjereh copydatabase --city``, :mod:`panjereh.core.citycopy`)."""

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db.models import CharField, Q
from django.db.models.functions import Cast


def audit_records(city_id, rows):
    """The records of what was done to the city's rows (an audit record names its object by label and id); the
    records about users stay behind (who is copied is decided by these rows, not the other way round)."""
    from panjereh.core.models import AuditRecord

    told = Q(pk__in=[])
    for model in apps.get_models():
        label = model._meta.label_lower
        if label == "core.auditrecord" or model._meta.auto_created or model is get_user_model():
            continue
        found = rows(model)
        if found is None or getattr(found, "_panjereh_whole", False):
            continue
        ids = rows.ids(model)
        ids = ids.annotate(panjereh_id=Cast("pk", CharField())).values("panjereh_id") \
            if hasattr(ids, "query") else [str(i) for i in ids]
        told |= Q(object_type=label, object_id__in=ids)
    return AuditRecord._base_manager.filter(told)


def outbox_events(city_id, rows):
    """The events about the city's parcels (events of no parcel are the province's: a city added, say)."""
    from panjereh.core.models import OutboxEvent

    return OutboxEvent._base_manager.filter(parcel_id__in=rows("citymap.parcel").values("pk"))


RULES = {"AuditRecord": audit_records, "OutboxEvent": outbox_events}
