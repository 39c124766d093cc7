"""The daily reconciliation of card payments against the bank gateway's report.

The card gateway itself is behind :mod:`panjereh.billing.psp`; its state changes live in
:mod:`panjereh.billing.services` (start, verify-then-settle, reverse).
"""

import datetime

from panjereh.billing import psp
from panjereh.billing.models import Payment
from panjereh.core.calendar import day_bounds

GATEWAY = Payment.Provider.GATEWAY


def reconcile(*, date: datetime.date, gateway=None) -> dict:
    """Compare one Tehran day of the PSP's verified transactions with the card payments we settled.

    Returns ``confirmed_not_settled`` (the bank took money we did not count: settle or refund it by
    hand) and ``settled_not_confirmed`` (we counted money the bank does not list: investigate), each a
    list of {order_id, amount, ref_num, status}, and ``matched``, the number that agree.
    """
    gateway = gateway or psp.gateway()
    theirs = {str(t.get("order_id")): t for t in gateway.report(date=date.isoformat())
              if t.get("status") in {"verified", "already_verified"}}
    start, end = day_bounds(date, date)
    ours = {p.reference: p for p in Payment.objects.filter(provider=GATEWAY, status=Payment.Status.SETTLED,
                                                            settled_at__gte=start, settled_at__lt=end)}
    ours_any = {p.reference: p for p in Payment.objects.filter(provider=GATEWAY, reference__in=list(theirs))}
    confirmed_not_settled, matched = [], 0
    for order_id, tx in sorted(theirs.items()):
        mine = ours_any.get(order_id)
        if mine is not None and mine.status == Payment.Status.SETTLED and mine.amount == tx.get("amount"):
            matched += 1
            continue
        confirmed_not_settled.append({"order_id": order_id, "amount": tx.get("amount"), "ref_num": tx.get("ref_num"),
                                      "status": mine.status if mine else "unknown to Panjereh"})
    settled_not_confirmed = [{"order_id": ref, "amount": p.amount, "ref_num": p.bank_reference, "status": p.status}
                             for ref, p in sorted(ours.items()) if ref not in theirs]
    return {"date": date.isoformat(), "matched": matched, "confirmed_not_settled": confirmed_not_settled,
            "settled_not_confirmed": settled_not_confirmed}
