"""Issue 27 item 14: a refusal must change nothing.

``unchanged(*models)`` snapshots every row of the models a service may touch — and the outbox, the audit log and
the text messages queued — and asserts on leaving that each is as it was (a refused request that wrote half its
rows fails here, whatever it answered). ``written()`` is the cheap whole-database form the suite applies to
every request answered 400 or 409 (tests/conftest.py) and the role × door matrix to every refused write: the rows
and highest id of every table, which any insert changes — and every state change, since each service writes its
audit record or outbox event with it."""

import contextlib

from django.apps import apps
from django.db.models import Max

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


# rows any request may write without acting: a sign-in's session, sign-in records, a token's last use
NOT_WRITES = {"sessions.Session", "axes.AccessAttempt", "axes.AccessLog", "axes.AccessFailureLog",
              "agencies.StaffToken", "auth.User"}


def written() -> dict:
    """{model: (rows, highest id)} of every table but :data:`NOT_WRITES`."""
    out = {}
    for model in apps.get_models():
        if model._meta.label in NOT_WRITES or not model._meta.managed or model._meta.proxy:
            continue
        numbered = model._meta.pk.get_internal_type() in {"AutoField", "BigAutoField"}
        out[model._meta.label] = (model.objects.count(),
                                  model.objects.aggregate(n=Max("pk"))["n"] if numbered else None)
    return out


def changed_between(before: dict, after: dict) -> list[str]:
    return sorted(label for label in after if after[label] != before.get(label))
