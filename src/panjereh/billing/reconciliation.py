"""The daily reconciliation of card payments against the bank gateway's settlement report.

The report is the bank's: what its adapter fetches for the day (``Gateway.report``), or the file the bank's
merchant panel gives for it (``--file``: its CSV, read by the adapter's ``parse_report``). Each of the bank's rows
is matched to our payment by the order id as the bank knows it (``Gateway.order_key``: Mellat's is numeric).
Three kinds of difference are reported, never corrected here: settled here and not at the bank, at the bank and
not settled here, and amounts that differ. Each run is kept (:class:`ReconciliationRun`, the finance page shows
the day's) and each difference is an audit record."""

import datetime

from panjereh.billing import psp
from panjereh.billing.models import Payment, ReconciliationRun
from panjereh.core import audit, service_tx
from panjereh.core.calendar import day_bounds

GATEWAY = Payment.Provider.GATEWAY
CONFIRMED = {"verified", "already_verified", "settled"}


def _bank_rows(gateway, date: datetime.date, report: bytes | None) -> dict:
    rows = gateway.parse_report(report) if report is not None else gateway.report(date=date.isoformat())
    return {str(row.get("key") or row.get("order_id")): row for row in rows if row.get("status") in CONFIRMED}


def reconcile(*, date: datetime.date, gateway=None, report: bytes | None = None, keep: bool = False,
              source: str = "") -> dict:
    """Compare one Tehran day of the bank's confirmed transactions with the card payments we settled.

    Returns ``matched``; ``confirmed_not_settled`` (the bank took money we did not count: settle or refund it
    by hand), ``settled_not_confirmed`` (we counted money the bank does not list: investigate) and
    ``amounts_differ`` (both have it, for different amounts), each a list of {order_id, amount, bank_amount,
    ref_num, status}. ``keep``: store the run and an audit record per difference."""
    gateway = gateway or psp.gateway()
    theirs = _bank_rows(gateway, date, report)
    start, end = day_bounds(date, date)
    ours = {gateway.order_key(p.reference): p for p in Payment.objects.filter(
        provider=GATEWAY, status=Payment.Status.SETTLED, settled_at__gte=start, settled_at__lt=end)}
    nearby = Payment.objects.filter(provider=GATEWAY, created_at__gte=start - datetime.timedelta(days=2),
                                    created_at__lt=end + datetime.timedelta(days=1))
    ours_any = {gateway.order_key(p.reference): p for p in nearby} | ours
    confirmed_not_settled, amounts_differ, matched = [], [], 0
    for key, tx in sorted(theirs.items()):
        mine = ours_any.get(key)
        if mine is not None and mine.status == Payment.Status.SETTLED:
            if mine.amount == tx.get("amount"):
                matched += 1
            else:
                amounts_differ.append({"order_id": mine.reference, "amount": mine.amount,
                                       "bank_amount": tx.get("amount"), "ref_num": tx.get("ref_num"),
                                       "status": mine.status})
            continue
        confirmed_not_settled.append({"order_id": mine.reference if mine else tx.get("order_id") or key,
                                      "amount": tx.get("amount"), "ref_num": tx.get("ref_num"),
                                      "status": mine.status if mine else "unknown to Panjereh"})
    settled_not_confirmed = [{"order_id": p.reference, "amount": p.amount, "ref_num": p.bank_reference,
                              "status": p.status} for key, p in sorted(ours.items()) if key not in theirs]
    result = {"date": date.isoformat(), "gateway": gateway.name, "matched": matched,
              "confirmed_not_settled": confirmed_not_settled, "settled_not_confirmed": settled_not_confirmed,
              "amounts_differ": amounts_differ}
    if keep:
        _keep(result, date, gateway.name, source)
    return result


def _keep(result: dict, date: datetime.date, gateway: str, source: str) -> ReconciliationRun:
    differences = ([{"kind": "there_not_here", **row} for row in result["confirmed_not_settled"]]
                   + [{"kind": "here_not_there", **row} for row in result["settled_not_confirmed"]]
                   + [{"kind": "amounts_differ", **row} for row in result["amounts_differ"]])
    with service_tx.atomic():
        run = ReconciliationRun.objects.create(date=date, gateway=gateway, matched=result["matched"],
                                               differences=differences, source=source[:200])
        for difference in differences:
            audit.record(actor=None, action="reconciliation.difference", obj=run, data=difference)
    return run


def latest_run(date: datetime.date) -> ReconciliationRun | None:
    return ReconciliationRun.objects.filter(date=date).order_by("-created_at").first()
