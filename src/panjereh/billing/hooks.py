"""What the apps that bill are told, inside the transaction that wrote it: a bill created, a bill settled.

Billing sits below the single window and street works, so it never imports them. The app that owns a bill's
subject registers here at start-up (``PermitsConfig.ready``): the single window queues the bill's paper and,
when a file's bill is settled, moves the file on (the permit issued in the same transaction as the payment).
A registry and not a signal: the handlers are few, named, and run in order inside the caller's transaction —
an effect that must not be lost is never left to ``on_commit``."""

from collections.abc import Callable

_CREATED: list[Callable] = []   # handler(bill)
_SETTLED: list[Callable] = []   # handler(bill, payment, actor)


def on_bill_created(handler: Callable) -> None:
    if handler not in _CREATED:
        _CREATED.append(handler)


def on_bill_settled(handler: Callable) -> None:
    if handler not in _SETTLED:
        _SETTLED.append(handler)


def bill_created(bill) -> None:
    for handler in _CREATED:
        handler(bill)


def bill_settled(bill, payment, actor) -> None:
    for handler in _SETTLED:
        handler(bill, payment, actor)
