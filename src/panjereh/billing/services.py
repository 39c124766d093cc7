"""Every state change of money: bills written, payments taken (cash, card at the bank gateway, an agency's
transfer), settled and split into each agency's ledger.

The apps that bill call these inside their own services: the single window for a file's bill (its documents
checked and its application locked first), street works for an agency's bill. Card payments follow the PSP
protocol of :mod:`panjereh.billing.psp`: started here, settled only when the bank's server verifies them (verify,
then a conditional update), reversed at the PSP otherwise. A settled bill is announced to the app that owns
its subject through :mod:`panjereh.billing.hooks`, in the same transaction."""

import secrets

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from panjereh.agencies.models import Agency
from panjereh.billing import hooks, locks, psp
from panjereh.billing.models import Bill, BillLine, LedgerEntry, Payment, Refund
from panjereh.core import audit, service_tx
from panjereh.core.errors import FieldError
from panjereh.core.text import Localized

Line = tuple[Agency, str, str, str, int]  # (payee agency, code, Persian text, English text, rials)


class BillingError(FieldError):
    """A payment or bill refused for what was given (a field named, a message in the user's language)."""


class BillingConflict(Exception):
    """A payment refused for the state it meets (a receipt number used, a bill already paid)."""


def write_bill(*, stage: str, lines: list[Line], application=None, payer: Agency | None = None) -> Bill:
    """Write a bill and its lines (in the caller's transaction), with the unguessable code of its verify page;
    the app owning its subject is told (:func:`hooks.bill_created`: its paper is queued)."""
    bill = Bill.objects.create(application=application, payer=payer, stage=stage,
                               total=sum(line[4] for line in lines), verification_code=secrets.token_urlsafe(18))
    BillLine.objects.bulk_create([BillLine(bill=bill, agency=agency, code=code, description_fa=fa, description_en=en,
                                           amount=amount) for agency, code, fa, en, amount in lines])
    return bill


def open_bill(application) -> Bill | None:
    """A file's bill waiting to be paid, if any."""
    return application.bills.filter(settled_at__isnull=True).order_by("id").first()


def check_amount(bill: Bill, amount: int) -> None:
    """A bill is paid in one payment of what is outstanding."""
    outstanding = bill.total - bill.paid
    if amount != outstanding:
        raise BillingError("amount", _("The bill is paid in one payment of %(amount)s rials.")
                           % Localized({"amount": outstanding}))


def repeated_payment(*, provider: str, reference: str, bill_matches, amount: int) -> Payment | None:
    """The payment already recorded with this receipt or transfer reference, if it is the same one
    (``bill_matches(bill)`` and the same amount); a reference used for another payment is refused."""
    existing = Payment.objects.filter(provider=provider, reference=reference).select_related("bill").first()
    if existing is None:
        return None
    if not bill_matches(existing.bill) or existing.amount != amount:
        raise BillingConflict(_("Receipt number %(reference)s was already used for another payment.")
                              % Localized({"reference": reference}))
    return existing


def take_payment(*, actor, bill: Bill, provider: str, amount: int, reference: str, action: str,
                 data: dict) -> Payment:
    """Record a payment that settles at once (cash at the counter, an agency's transfer) against ``bill``, locked
    by the caller, and settle it."""
    try:
        with transaction.atomic():
            payment = Payment.objects.create(bill=bill, provider=provider, reference=reference[:64], amount=amount,
                                             recorded_by=audit.user_or_none(actor))
    except IntegrityError:
        raise BillingConflict(_("Receipt number %(reference)s was already used.")
                              % Localized({"reference": reference})) from None
    audit.record(actor=actor, action=action, obj=payment, data=data)
    settle(payment, actor)
    return payment


def open_gateway_payment(*, actor, bill: Bill, amount: int) -> Payment:
    """A pending card payment of ``bill`` (locked by the caller), with our unguessable order id."""
    payment = Payment.objects.create(bill=bill, provider=Payment.Provider.GATEWAY, reference=psp.new_order_id(),
                                     amount=amount, recorded_by=audit.user_or_none(actor))
    audit.record(actor=actor, action="payment.gateway_start", obj=payment,
                 data={"amount": amount, "order_id": payment.reference})
    return payment


def request_gateway_token(gateway, payment: Payment, callback_url: str) -> str:
    """Ask the PSP for the payment's token, outside any transaction (a slow bank must not hold a lock); the
    PSP's page to send the payer to. A PSP that does not answer leaves the payment failed."""
    try:
        token = gateway.request_token(amount=payment.amount, order_id=payment.reference, callback_url=callback_url)
    except psp.GatewayError as exc:
        _close_payment(payment, Payment.Status.FAILED, {"stage": "token", "error": str(exc)})
        raise BillingConflict(_("The bank gateway did not open the payment: %(reason)s")
                              % Localized({"reason": exc})) from None
    Payment.objects.filter(pk=payment.pk).update(token=token)
    payment.token = token
    redirect = gateway.redirect(token)
    if redirect.method == "GET" and not redirect.fields:
        return redirect.url
    # a bank that wants the payer's browser to POST a form: our own page holds the form (and its CSP the bank)
    return reverse("gateway-go", args=[payment.reference])


def _close_payment(payment: Payment, status: str, data: dict) -> bool:
    """Move a pending gateway payment to failed or reversed, once; audited."""
    with transaction.atomic():
        changed = Payment.objects.filter(pk=payment.pk, status=Payment.Status.PENDING).update(status=status) == 1
        if changed:
            audit.record(actor=None, action=f"payment.gateway_{status}", obj=payment, data=data)
    return changed


def complete_gateway_payment(*, order_id: str, token: str, lock_subject,
                             callback: dict | None = None) -> tuple[Payment, bool]:
    """The payer is back from the bank: settle the payment only if the bank's server verifies it. Returns the
    payment and whether this call settled it.

    The callback's own words (state, amount, reference) are never trusted: only the PSP's answer to our
    server-to-server verify call is. A verified payment of another amount, or one for a bill already
    settled by another payment, is reversed at the PSP. A replayed callback changes nothing.
    ``lock_subject(bill)`` takes the locks that come before the payment's in the lock order (a file's
    application). ``callback``: the bank's own callback fields, which some banks' verify needs (a sale
    reference, a RefNum)."""
    payment = Payment.objects.filter(provider=Payment.Provider.GATEWAY, reference=order_id) \
        .select_related("bill").first()
    if payment is None or not token or not payment.token or not secrets.compare_digest(payment.token, token):
        raise BillingError("token", _("There is no card payment with this order number and token."))
    if payment.status != Payment.Status.PENDING:
        return payment, False
    gateway = psp.gateway()
    try:
        result = gateway.verify(token=token, callback=callback or {}, amount=payment.amount, order_id=payment.reference)
    except psp.GatewayError as exc:
        # Unknown outcome: leave it pending; the reconciliation finds it if the bank took the money.
        raise BillingConflict(_("The bank gateway could not verify the payment now: %(reason)s")
                              % Localized({"reason": exc})) from None
    if not result.ok:
        _close_payment(payment, Payment.Status.FAILED, {"stage": "verify", "status": result.status})
        payment.refresh_from_db()
        return payment, False
    if result.amount != payment.amount or result.order_id != payment.reference:
        _reverse(gateway, payment, {"stage": "verify", "reason": "amount_or_order_differs",
                                    "verified_amount": result.amount, "verified_order": result.order_id}, callback)
        payment.refresh_from_db()
        return payment, False
    with service_tx.atomic():
        lock_subject(payment.bill)
        locked = locks.payment(payment.pk)
        bill = locks.bill(locked.bill_id)
        settled = False
        if locked.status == Payment.Status.PENDING and bill.settled_at is None \
                and bill.total - bill.paid == locked.amount:
            Payment.objects.filter(pk=locked.pk).update(bank_reference=result.ref_num[:64],
                                                        card=result.masked_pan[:32], gateway_data=callback or {})
            audit.record(actor=None, action="payment.gateway_verified", obj=locked,
                         data={"ref_num": result.ref_num, "amount": result.amount})
            settle(locked, None)
            settled = True
    payment.refresh_from_db()
    if not settled and payment.status == Payment.Status.PENDING:  # the bill was paid by another payment meanwhile
        _reverse(gateway, payment, {"stage": "settle", "reason": "bill_already_settled"}, callback)
        payment.refresh_from_db()
    return payment, settled


def _reverse(gateway, payment: Payment, data: dict, callback: dict | None = None) -> None:
    try:
        data["reversed_at_psp"] = gateway.reverse(token=payment.token,
                                                  callback={**(callback or {}), "order_id": payment.reference})
    except psp.GatewayError as exc:
        data["reversed_at_psp"] = False
        data["error"] = str(exc)
    _close_payment(payment, Payment.Status.REVERSED, data)


def settle(payment: Payment, actor) -> None:
    """Settle a pending payment (once): the bill paid, each payee agency's share booked to its ledger, and the
    app owning the bill's subject told in the same transaction (:func:`hooks.bill_settled`)."""
    now = timezone.now()
    if Payment.objects.filter(pk=payment.pk, status=Payment.Status.PENDING).update(
            status=Payment.Status.SETTLED, settled_at=now) != 1:
        return
    bill = locks.bill(payment.bill_id)
    Bill.objects.filter(pk=bill.pk).update(paid=bill.paid + payment.amount, settled_at=now)
    shares = bill.lines.values("agency").annotate(total=Sum("amount"))
    LedgerEntry.objects.bulk_create([LedgerEntry(payment=payment, agency_id=s["agency"], amount=s["total"])
                                     for s in shares])
    audit.record(actor=actor, action="bill.settle", obj=bill, data={"payment": payment.reference})
    if bill.application_id is None:  # an agency's bill for its street works: both sides hear of it
        for code in sorted({bill.payer.code} | {line.agency.code for line in bill.lines.select_related("agency")}):
            audit.emit(event_type="bill.paid", agency_code=code,
                       payload={"payer": bill.payer.code, "stage": bill.stage, "amount": payment.amount})
    hooks.bill_settled(bill, payment, actor)


def bill_agency(*, payer: Agency, stage: str, lines: list[Line]) -> Bill:
    """Bill an agency (for its street works: a permit's fee, an Article 103 recovery, a penalty): one bill
    per stage, created once. Called inside the caller's transaction, so the bill is written with the state
    change that owes it."""
    existing = Bill.objects.filter(payer=payer, application__isnull=True, stage=stage).first()
    if existing:
        return existing
    bill = write_bill(payer=payer, stage=stage, lines=[line for line in lines if line[4] > 0])
    if bill.total == 0:  # nothing to pay (a free surface): settled as written
        Bill.objects.filter(pk=bill.pk).update(settled_at=timezone.now())
    audit.emit(event_type="bill.created", agency_code=payer.code,
               payload={"payer": payer.code, "stage": stage, "total": bill.total})
    hooks.bill_created(bill)
    return bill


def record_transfer(*, actor, bill: Bill, amount: int, reference: str) -> tuple[Payment, bool]:
    """The city's treasury records an agency's bank transfer paying one of its bills; it settles at once and
    is booked to each payee's ledger. The same transfer reference twice changes nothing the second time.
    Returns the payment and whether this call recorded it."""
    if bill.application_id is not None:
        raise BillingError("bill", _("A file's bill is paid at the counter or the bank gateway, not by an "
                                     "agency's transfer."))
    reference = (reference or "").strip()
    if not reference:
        raise BillingError("reference", _("A transfer needs the bank's reference number."))
    with service_tx.atomic():
        locked = locks.bill(bill.pk)
        existing = repeated_payment(provider=Payment.Provider.TRANSFER, reference=reference,
                                    bill_matches=lambda b: b.pk == locked.pk, amount=amount)
        if existing:
            return existing, False
        if locked.settled_at is not None:
            raise BillingConflict(_("This bill is already paid."))
        check_amount(locked, amount)
        payment = take_payment(actor=actor, bill=locked, provider=Payment.Provider.TRANSFER, amount=amount,
                               reference=reference, action="payment.transfer",
                               data={"payer": locked.payer_id, "amount": amount, "reference": reference})
    return payment, True


def refund_payment(*, actor, payment: Payment, reason: str, transfer_reference: str = "") -> Refund:
    """Give a settled payment back in full, with its reason: through the bank gateway where the bank offers
    refunds (its adapter's ``refund``), else as the city's own bank transfer recorded with ``transfer_reference``
    (a cash payment always so). Each agency's share comes off its ledger in the same transaction; the bill's paid
    sum goes down. Once per payment."""
    reason = (reason or "").strip()
    transfer_reference = (transfer_reference or "").strip()[:64]
    if len(reason) < 10:
        raise BillingError("reason", _("Write why the payment is given back (at least 10 characters)."))
    if payment.status != Payment.Status.SETTLED:
        raise BillingConflict(_("Only a settled payment is given back."))
    if Refund.objects.filter(payment=payment).exists():
        raise BillingConflict(_("This payment was already given back."))
    method, reference = Refund.Method.TRANSFER, transfer_reference
    if payment.provider == Payment.Provider.GATEWAY and not transfer_reference:
        gateway = psp.gateway()
        try:
            done = gateway.refund(token=payment.token, amount=payment.amount,
                                  callback={**payment.gateway_data, "order_id": payment.reference})
        except psp.GatewayError as exc:
            raise BillingConflict(_("The bank gateway did not answer the refund: %(reason)s")
                                  % Localized({"reason": exc})) from None
        if done is False:
            raise BillingConflict(_("The bank refused the refund: give it back by transfer and record its "
                                    "reference."))
        if done:
            method, reference = Refund.Method.GATEWAY, payment.bank_reference
    if method == Refund.Method.TRANSFER and not reference:
        raise BillingError("transfer_reference", _("This bank gateway does not give money back: transfer it and "
                                                   "record the transfer's reference."))
    with service_tx.atomic():
        locked = locks.payment(payment.pk)
        if Refund.objects.filter(payment=locked).exists():
            raise BillingConflict(_("This payment was already given back."))
        refund = Refund.objects.create(payment=locked, amount=locked.amount, reason=reason, method=method,
                                       reference=reference, recorded_by=audit.user_or_none(actor))
        LedgerEntry.objects.bulk_create([LedgerEntry(payment=locked, agency_id=e.agency_id, amount=-e.amount,
                                                     refund=refund)
                                         for e in locked.ledger.filter(refund__isnull=True)])
        bill = locks.bill(locked.bill_id)
        Bill.objects.filter(pk=bill.pk).update(paid=bill.paid - locked.amount)
        audit.record(actor=actor, action="payment.refunded", obj=locked,
                     data={"amount": locked.amount, "method": method, "reference": reference, "reason": reason})
    return refund
