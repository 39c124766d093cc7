"""Issue 27 item 14: a refusal must change nothing. ``unchanged(*models)`` snapshots every row of the models a
service may touch — and the outbox, the audit log and the text messages queued — and asserts on leaving that
each is as it was (a refused request that wrote half its rows fails here, whatever it answered)."""

import contextlib

from django.apps import apps

ALWAYS = (("core", "OutboxEvent"), ("core", "ConsumerDelivery"), ("core", "AuditRecord"), ("sms", "SmsMessage"))


def _rows(model) -> list[tuple]:
    fields = [f.attname for f in model._meta.concrete_fields]
    return sorted(model.objects.order_by("pk").values_list(*fields), key=lambda row: row[0])


def snapshot(*models) -> dict:
    every = list(models) + [apps.get_model(*label) for label in ALWAYS]
    return {model._meta.label: _rows(model) for model in every}


@contextlib.contextmanager
def unchanged(*models):
    """``with unchanged(Application, ReviewTask): <a request that must be refused>``."""
    before = snapshot(*models)
    yield
    after = snapshot(*models)
    changed = [label for label in before if before[label] != after[label]]
    assert not changed, f"a refusal changed rows of {changed}"
