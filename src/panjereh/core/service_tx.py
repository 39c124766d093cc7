"""The transaction of a public service: durable, so that calling one service inside another's transaction fails
loudly (Django raises RuntimeError) instead of silently making the inner service's commit the outer one's.

Where one transaction must hold several services on purpose — an outbox consumer's effect commits with its
"done" mark — the caller says so with :func:`composing`; inside it services run as savepoints of that one
transaction. Tests and the worker see the same rule."""

import contextlib
from contextvars import ContextVar

from django.db import transaction

_composing: ContextVar[bool] = ContextVar("panjereh_composing_services", default=False)


def atomic():
    """``with service_tx.atomic():`` opens a public service's transaction (durable unless :func:`composing`)."""
    return transaction.atomic(durable=not _composing.get())


@contextlib.contextmanager
def composing():
    """One transaction that may hold several public services (each then a savepoint of it)."""
    token = _composing.set(True)
    try:
        with transaction.atomic():
            yield
    finally:
        _composing.reset(token)
