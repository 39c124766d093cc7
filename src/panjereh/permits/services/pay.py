"""A file's bill and its payment: the bill written once every agency has approved (and one per service activated
later), cash at the counter, the card at the bank gateway. The money itself — payments, settlement, the ledger,
the PSP — is :mod:`panjereh.billing`'s; this module adds what is the file's: its lock, its documents checked
before any money is taken, the applicant told, and the file moved on when its bill is settled
(:func:`on_bill_settled`, registered with billing's hooks)."""

import contextlib

from django.utils.translation import gettext as _

from panjereh.agencies.codes import MUNICIPALITY
from panjereh.billing import psp
from panjereh.billing import services as billing
from panjereh.billing.models import Bill, Payment
from panjereh.core import audit, service_tx
from panjereh.permits import locks, pdf
from panjereh.permits.services import apply, documents, review
from panjereh.permits.services.base import ApplicationError, Conflict, Outcome, tell_applicant


@contextlib.contextmanager
def _as_file_errors():
    """Billing's refusals, as the single window's (its callers catch ``ApplicationError`` and ``Conflict``)."""
    try:
        yield
    except billing.BillingError as exc:
        raise ApplicationError(exc.field, str(exc)) from None
    except billing.BillingConflict as exc:
        raise Conflict(str(exc)) from None


def _create_bill(app, stage: str, only: str | None = None) -> Bill:
    """The bill of a stage (created once): the permit fee and every 'now' service, or one activated service."""
    existing = app.bills.filter(stage=stage).first()
    if existing:
        return existing
    requests = [(sr.service, sr.timing, sr.size) for sr in app.service_requests.select_related("service__agency")]
    lines = apply.fee_lines(parcel=app.parcel, land_use=app.land_use, units=app.units,
                            floor_area=app.gross_floor_area, parking=app.parking_spaces, requests=requests, only=only)
    bill = billing.write_bill(application=app, stage=stage, lines=lines)
    audit.emit(event_type="bill.created", agency_code=MUNICIPALITY, parcel_id=app.parcel_id,
               payload={"application": app.tracking_code, "stage": stage, "total": bill.total})
    tell_applicant(app, "bill_ready", f"bill:{bill.pk}", {"amount": bill.total})
    pdf.queue("bill", bill.pk)
    return bill


open_bill = billing.open_bill


def _open_bill_locked(application) -> Bill:
    bill = locks.open_bill(application.pk)
    if bill is None:
        raise Conflict(_("There is nothing to pay on this file: the bill is made once every agency has approved."))
    return bill


def record_payment(*, actor, application, provider: str, amount: int, reference: str = "") -> Outcome:
    """Take a cash payment of the open bill at the counter; it settles at once (and the permit is issued in the
    same transaction, by :func:`on_bill_settled`).

    Card payments never come through here: they start with :func:`start_gateway_payment` and settle only
    when the bank's server has verified them (:func:`complete_gateway_payment`). The same cash receipt
    number twice changes nothing the second time.
    """
    if provider == Payment.Provider.GATEWAY:
        raise ApplicationError("provider", _("A card payment is started at the bank gateway, not recorded by hand."))
    if provider != Payment.Provider.CASH:
        raise ApplicationError("provider", _("Only cash is recorded by hand; card payments go through the bank "
                                              "gateway."))
    if not reference:
        raise ApplicationError("reference", _("A cash payment needs the receipt number."))
    with service_tx.atomic(), _as_file_errors():
        locks.application(application.pk)
        existing = billing.repeated_payment(provider=provider, reference=reference, amount=amount,
                                            bill_matches=lambda bill: bill.application_id == application.pk)
        if existing:
            return Outcome(existing, False)
        bill = _open_bill_locked(application)
        billing.check_amount(bill, amount)
        documents._require_documents(application)
        payment = billing.take_payment(actor=actor, bill=bill, provider=provider, amount=amount,
                                       reference=reference, action="payment.record",
                                       data={"provider": provider, "amount": amount, "reference": reference})
    return Outcome(payment, True)


def start_gateway_payment(*, actor, application, amount: int, callback_url: str) -> tuple[Payment, str]:
    """Start a card payment of the open bill at the bank gateway; returns the payment and the PSP's page.

    Our order id is unguessable and made here (nobody types a gateway reference). The payment stays
    pending until the bank's server verifies it; a PSP that does not answer leaves it failed.
    """
    gateway = psp.gateway()  # GatewayNotConfigured: card payment is not offered
    with service_tx.atomic(), _as_file_errors():
        locks.application(application.pk)
        bill = _open_bill_locked(application)
        billing.check_amount(bill, amount)
        documents._require_documents(application)
        payment = billing.open_gateway_payment(actor=actor, bill=bill, amount=amount)
    # The PSP is asked outside the transaction: a slow bank must not hold the file's lock.
    with _as_file_errors():
        return payment, billing.request_gateway_token(gateway, payment, callback_url)


def complete_gateway_payment(*, order_id: str, token: str, callback: dict | None = None) -> Outcome:
    """The payer is back from the bank: billing settles the payment only if the bank's server verifies it (the
    file's application locked first, as the lock order says); the file moves on in that transaction."""
    def lock_file(bill):
        if bill.application_id:
            locks.application(bill.application_id)

    with _as_file_errors():
        payment, settled = billing.complete_gateway_payment(order_id=order_id, token=token, lock_subject=lock_file,
                                                            callback=callback)
    return Outcome(payment, settled)


def on_bill_settled(bill, payment, actor) -> None:
    """Billing's hook: a file's bill settled moves the file on (the permit issued, a later service ordered)."""
    if bill.application_id is None:
        return
    app = bill.application
    audit.emit(event_type="bill.paid", agency_code=MUNICIPALITY, parcel_id=app.parcel_id,
               payload={"application": app.tracking_code, "stage": bill.stage, "amount": payment.amount})
    review._advance(app, actor)


def on_bill_created(bill) -> None:
    """Billing's hook: an agency's street-works bill gets its paper too (a file's bill queues its own above)."""
    if bill.application_id is None:
        pdf.queue("bill", bill.pk)
