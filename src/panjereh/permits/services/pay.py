"""Bills and payments: the one bill of a file, cash at the counter, the card at the bank gateway (verify, then a
conditional update), an agency's transfer for its street-works bill, and the ledger each payment is split into."""

import secrets

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from panjereh.agencies.models import Agency
from panjereh.core import audit, service_tx
from panjereh.core.text import Localized
from panjereh.permits import locks, payments, pdf, psp
from panjereh.permits.models import Bill, BillLine, LedgerEntry, Payment
from panjereh.permits.services import apply, documents, review
from panjereh.permits.services.base import ApplicationError, Conflict, Outcome, tell_applicant


def _create_bill(app, stage: str, only: str | None = None) -> Bill:
    """The bill of a stage (created once): the permit fee and every 'now' service, or one activated service."""
    existing = app.bills.filter(stage=stage).first()
    if existing:
        return existing
    requests = [(sr.service, sr.timing, sr.size) for sr in app.service_requests.select_related("service__agency")]
    lines = apply.fee_lines(parcel=app.parcel, land_use=app.land_use, units=app.units, floor_area=app.gross_floor_area,
                      parking=app.parking_spaces, requests=requests, only=only)
    bill = Bill.objects.create(application=app, stage=stage, total=sum(line[4] for line in lines),
                               verification_code=secrets.token_urlsafe(18))
    BillLine.objects.bulk_create([BillLine(bill=bill, agency=agency, code=code, description_fa=fa, description_en=en,
                                           amount=amount) for agency, code, fa, en, amount in lines])
    audit.emit(event_type="bill.created", agency_code="municipality", parcel_id=app.parcel_id,
               payload={"application": app.tracking_code, "stage": stage, "total": bill.total})
    tell_applicant(app, "bill_ready", f"bill:{bill.pk}", {"amount": bill.total})
    pdf.queue("bill", bill.pk)
    return bill


def open_bill(application) -> Bill | None:
    """The bill waiting to be paid, if any."""
    return application.bills.filter(settled_at__isnull=True).order_by("id").first()


def record_payment(*, actor, application, provider: str, amount: int, reference: str = "") -> Outcome:
    """Take a cash payment of the open bill at the counter; it settles at once.

    Card payments never come through here: they start with :func:`start_gateway_payment` and settle only
    when the bank's server has verified them (:func:`complete_gateway_payment`). The same cash receipt
    number twice changes nothing the second time.
    """
    if provider == payments.GATEWAY:
        raise ApplicationError("provider", _("A card payment is started at the bank gateway, not recorded by hand."))
    if provider != payments.CASH:
        raise ApplicationError("provider", _("Only cash is recorded by hand; card payments go through the bank "
                                              "gateway."))
    if not reference:
        raise ApplicationError("reference", _("A cash payment needs the receipt number."))
    with service_tx.atomic():
        locks.application(application.pk)
        existing = Payment.objects.filter(provider=provider, reference=reference).select_related("bill").first()
        if existing:
            if existing.bill.application_id != application.pk or existing.amount != amount:
                raise Conflict(_("Receipt number %(reference)s was already used for another payment.")
                               % Localized({"reference": reference}))
            return Outcome(existing, False)
        bill = _open_bill_locked(application)
        _check_amount(bill, amount)
        documents._require_documents(application)
        try:
            with transaction.atomic():
                payment = Payment.objects.create(
                    bill=bill, provider=provider, reference=reference, amount=amount,
                    recorded_by=audit.user_or_none(actor))
        except IntegrityError:
            raise Conflict(_("Receipt number %(reference)s was already used.")
                % Localized({"reference": reference})) from None
        audit.record(actor=actor, action="payment.record", obj=payment,
                     data={"provider": provider, "amount": amount, "reference": reference})
        _settle(payment, actor)
    return Outcome(payment, True)


def _open_bill_locked(application) -> Bill:
    bill = locks.open_bill(application.pk)
    if bill is None:
        raise Conflict(_("There is nothing to pay on this file: the bill is made once every agency has approved."))
    return bill


def _check_amount(bill: Bill, amount: int) -> None:
    outstanding = bill.total - bill.paid
    if amount != outstanding:
        raise ApplicationError("amount", _("The bill is paid in one payment of %(amount)s rials.")
                               % Localized({"amount": outstanding}))


def start_gateway_payment(*, actor, application, amount: int, callback_url: str) -> tuple[Payment, str]:
    """Start a card payment of the open bill at the bank gateway; returns the payment and the PSP's page.

    Our order id is unguessable and made here (nobody types a gateway reference). The payment stays
    pending until the bank's server verifies it; a PSP that does not answer leaves it failed.
    """
    gateway = psp.gateway()  # GatewayNotConfigured: card payment is not offered
    with service_tx.atomic():
        locks.application(application.pk)
        bill = _open_bill_locked(application)
        _check_amount(bill, amount)
        documents._require_documents(application)
        payment = Payment.objects.create(bill=bill, provider=payments.GATEWAY, reference=psp.new_order_id(),
                                         amount=amount,
                                         recorded_by=audit.user_or_none(actor))
        audit.record(actor=actor, action="payment.gateway_start", obj=payment,
                     data={"amount": amount, "order_id": payment.reference})
    # The PSP is asked outside the transaction: a slow bank must not hold the file's lock.
    try:
        token = gateway.request_token(amount=amount, order_id=payment.reference, callback_url=callback_url)
    except psp.GatewayError as exc:
        _close_payment(payment, Payment.Status.FAILED, {"stage": "token", "error": str(exc)})
        raise Conflict(_("The bank gateway did not open the payment: %(reason)s")
            % Localized({"reason": exc})) from None
    Payment.objects.filter(pk=payment.pk).update(token=token)
    payment.token = token
    return payment, gateway.pay_url(token)


def _close_payment(payment: Payment, status: str, data: dict) -> bool:
    """Move a pending gateway payment to failed or reversed, once; audited."""
    with transaction.atomic():
        changed = Payment.objects.filter(pk=payment.pk, status=Payment.Status.PENDING).update(status=status) == 1
        if changed:
            audit.record(actor=None, action=f"payment.gateway_{status}", obj=payment, data=data)
    return changed


def complete_gateway_payment(*, order_id: str, token: str) -> Outcome:
    """The payer is back from the bank: settle the payment only if the bank's server verifies it.

    The callback's own words (state, amount, reference) are never trusted: only the PSP's answer to our
    server-to-server verify call is. A verified payment of another amount, or one for a bill already
    settled by another payment, is reversed at the PSP. A replayed callback changes nothing.
    """
    payment = Payment.objects.filter(provider=payments.GATEWAY, reference=order_id).select_related("bill").first()
    if payment is None or not token or not payment.token or not secrets.compare_digest(payment.token, token):
        raise ApplicationError("token", _("There is no card payment with this order number and token."))
    if payment.status != Payment.Status.PENDING:
        return Outcome(payment, False)
    gateway = psp.gateway()
    try:
        result = gateway.verify(token=token)
    except psp.GatewayError as exc:
        # Unknown outcome: leave it pending; the reconciliation finds it if the bank took the money.
        raise Conflict(_("The bank gateway could not verify the payment now: %(reason)s")
            % Localized({"reason": exc})) from None
    if not result.ok:
        _close_payment(payment, Payment.Status.FAILED, {"stage": "verify", "status": result.status})
        payment.refresh_from_db()
        return Outcome(payment, False)
    if result.amount != payment.amount or result.order_id != payment.reference:
        _reverse(gateway, payment, {"stage": "verify", "reason": "amount_or_order_differs",
                                    "verified_amount": result.amount, "verified_order": result.order_id})
        payment.refresh_from_db()
        return Outcome(payment, False)
    with service_tx.atomic():
        if payment.bill.application_id:  # a file's bill: its application first (the lock order)
            locks.application(payment.bill.application_id)
        locked = locks.payment(payment.pk)
        bill = locks.bill(locked.bill_id)
        settled = False
        if locked.status == Payment.Status.PENDING and bill.settled_at is None \
                and bill.total - bill.paid == locked.amount:
            Payment.objects.filter(pk=locked.pk).update(bank_reference=result.ref_num[:64],
                                                        card=result.masked_pan[:32])
            audit.record(actor=None, action="payment.gateway_verified", obj=locked,
                         data={"ref_num": result.ref_num, "amount": result.amount})
            _settle(locked, None)
            settled = True
    if not settled:
        payment.refresh_from_db()
        if payment.status == Payment.Status.PENDING:  # the bill was paid by another payment meanwhile
            _reverse(gateway, payment, {"stage": "settle", "reason": "bill_already_settled"})
            payment.refresh_from_db()
        return Outcome(payment, False)
    payment.refresh_from_db()
    return Outcome(payment, True)


def _reverse(gateway, payment: Payment, data: dict) -> None:
    try:
        data["reversed_at_psp"] = gateway.reverse(token=payment.token)
    except psp.GatewayError as exc:
        data["reversed_at_psp"] = False
        data["error"] = str(exc)
    _close_payment(payment, Payment.Status.REVERSED, data)


def _settle(payment: Payment, actor) -> None:
    now = timezone.now()
    if Payment.objects.filter(pk=payment.pk, status=Payment.Status.PENDING).update(
            status=Payment.Status.SETTLED, settled_at=now) != 1:
        return
    bill = locks.bill(payment.bill_id)
    Bill.objects.filter(pk=bill.pk).update(paid=bill.paid + payment.amount, settled_at=now)
    shares = bill.lines.values("agency").annotate(total=Sum("amount"))
    LedgerEntry.objects.bulk_create([LedgerEntry(payment=payment, agency_id=s["agency"], amount=s["total"])
                                     for s in shares])
    app = bill.application
    audit.record(actor=actor, action="bill.settle", obj=bill, data={"payment": payment.reference})
    if app is None:  # an agency's bill for its street works: both sides hear of it, no file moves on
        for code in sorted({bill.payer.code} | {line.agency.code for line in bill.lines.select_related("agency")}):
            audit.emit(event_type="bill.paid", agency_code=code,
                       payload={"payer": bill.payer.code, "stage": bill.stage, "amount": payment.amount})
        return
    audit.emit(event_type="bill.paid", agency_code="municipality", parcel_id=app.parcel_id,
               payload={"application": app.tracking_code, "stage": bill.stage, "amount": payment.amount})
    review._advance(app, actor)


def bill_agency(*, payer: Agency, stage: str, lines: list[tuple[Agency, str, str, str, int]]) -> Bill:
    """Bill an agency (for its street works: a permit's fee, an Article 103 recovery, a penalty): one bill
    per stage, created once; ``lines`` are (payee agency, code, Persian text, English text, rials). Called
    inside the caller's transaction, so the bill is written with the state change that owes it."""
    existing = Bill.objects.filter(payer=payer, application__isnull=True, stage=stage).first()
    if existing:
        return existing
    lines = [line for line in lines if line[4] > 0]
    bill = Bill.objects.create(payer=payer, stage=stage, total=sum(line[4] for line in lines),
                               verification_code=secrets.token_urlsafe(18))
    BillLine.objects.bulk_create([BillLine(bill=bill, agency=agency, code=code, description_fa=fa, description_en=en,
                                           amount=amount) for agency, code, fa, en, amount in lines])
    if bill.total == 0:  # nothing to pay (a free surface): settled as written
        Bill.objects.filter(pk=bill.pk).update(settled_at=timezone.now())
    audit.emit(event_type="bill.created", agency_code=payer.code,
               payload={"payer": payer.code, "stage": stage, "total": bill.total})
    pdf.queue("bill", bill.pk)
    return bill


def record_transfer(*, actor, bill: Bill, amount: int, reference: str) -> Outcome:
    """The city's treasury records an agency's bank transfer paying one of its bills; it settles at once and
    is booked to each payee's ledger. The same transfer reference twice changes nothing the second time."""
    if bill.application_id is not None:
        raise ApplicationError("bill", _("A file's bill is paid at the counter or the bank gateway, not by an "
                                         "agency's transfer."))
    reference = (reference or "").strip()
    if not reference:
        raise ApplicationError("reference", _("A transfer needs the bank's reference number."))
    with service_tx.atomic():
        locked = locks.bill(bill.pk)
        existing = Payment.objects.filter(provider=payments.TRANSFER, reference=reference).first()
        if existing:
            if existing.bill_id != locked.pk or existing.amount != amount:
                raise Conflict(_("Receipt number %(reference)s was already used for another payment.")
                               % Localized({"reference": reference}))
            return Outcome(existing, False)
        if locked.settled_at is not None:
            raise Conflict(_("This bill is already paid."))
        _check_amount(locked, amount)
        payment = Payment.objects.create(bill=locked, provider=payments.TRANSFER, reference=reference[:64],
                                         amount=amount,
                                         recorded_by=audit.user_or_none(actor))
        audit.record(actor=actor, action="payment.transfer", obj=payment,
                     data={"payer": locked.payer_id, "amount": amount, "reference": reference})
        _settle(payment, actor)
    return Outcome(payment, True)
