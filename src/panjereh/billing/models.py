"""Bills, their lines, payments and the ledger: the money of the single window and of street works.

A bill's payer is either a file of the single window (``application``, the one bill of a file and one per service
activated later) or an agency (its street-works bills). The file is referred to by its label, never imported:
billing sits below the apps that bill (permits, works), which call :mod:`panjereh.billing.services`.

The tables keep the names they had when these models were the single window's (``permits_bill``…): the move to
this app changed Django's state only (migrations ``billing 0001`` and ``permits 0020``), not a row."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from panjereh.agencies.models import Agency
from panjereh.core.models import IssuedPaper

USER = settings.AUTH_USER_MODEL


class Bill(IssuedPaper):
    """One bill for the file (and one more for each service activated later) — or a bill an agency owes the
    city for its street works (an excavation permit's fee, an Article 103 recovery, a penalty): the same
    bill, lines and ledger, the payer being the agency instead of an applicant."""

    application = models.ForeignKey("permits.Application", null=True, blank=True, on_delete=models.CASCADE,
                                    related_name="bills")
    payer = models.ForeignKey(Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="bills_owed",
                              help_text="the agency that owes this bill (street works), when not an application's")
    stage = models.CharField(max_length=40, default="initial")
    total = models.BigIntegerField()
    paid = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    settled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "permits_bill"  # kept from when bills were the single window's: the rows never moved
        verbose_name = _("bill")
        verbose_name_plural = _("bills")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["application", "stage"], name="one_bill_per_stage"),
            models.UniqueConstraint(fields=["payer", "stage"], condition=Q(application__isnull=True),
                                    name="one_agency_bill_per_stage"),
            models.CheckConstraint(condition=Q(application__isnull=True, payer__isnull=False)
                                   | Q(application__isnull=False, payer__isnull=True), name="bill_has_one_payer"),
            models.CheckConstraint(condition=Q(paid__gte=0) & Q(paid__lte=models.F("total")),
                                   name="bill_paid_within_total"),
        ]

    @property
    def is_settled(self) -> bool:
        return self.settled_at is not None

    @property
    def subject(self) -> str:
        """What the bill is for, as a reference: the file's tracking code, or the paying agency and stage."""
        return self.application.tracking_code if self.application_id else f"{self.payer.code}:{self.stage}"

    def __str__(self):
        return f"{self.application or self.payer} / {self.stage}: {self.total:,} rials"


class BillLine(models.Model):
    bill = models.ForeignKey(Bill, on_delete=models.CASCADE, related_name="lines")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    code = models.CharField(max_length=32, help_text="permit, or the service code")
    description_fa = models.CharField(max_length=200)
    description_en = models.CharField(max_length=200)
    amount = models.BigIntegerField()

    class Meta:
        db_table = "permits_billline"  # kept from when bills were the single window's: the rows never moved
        ordering = ["id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gte=0), name="bill_line_not_negative")]


class Payment(models.Model):
    """A payment against a bill. (provider, reference) is unique: a repeated payment changes nothing."""

    class Provider(models.TextChoices):
        CASH = "cash", _("cash at the counter")
        GATEWAY = "gateway", _("bank gateway")
        TRANSFER = "transfer", _("bank transfer from an agency")

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        SETTLED = "settled", _("settled")
        FAILED = "failed", _("failed")
        REVERSED = "reversed", _("reversed")

    bill = models.ForeignKey(Bill, on_delete=models.PROTECT, related_name="payments")
    provider = models.CharField(max_length=10, choices=Provider.choices)
    reference = models.CharField(max_length=64, help_text="cash: the receipt number; card: our order id at the PSP")
    token = models.CharField(max_length=128, blank=True, help_text="the PSP's token for a card payment")
    bank_reference = models.CharField(max_length=64, blank=True, help_text="the bank's reference (RRN) once verified")
    card = models.CharField(max_length=32, blank=True, help_text="the masked card number the PSP reported")
    gateway_data = models.JSONField(default=dict, blank=True, help_text="the bank's own references from its "
                                    "callback (a sale reference, a RefNum), for settle, reversal and refund")
    amount = models.BigIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    settled_at = models.DateTimeField(null=True, blank=True)
    recorded_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        db_table = "permits_payment"  # kept from when bills were the single window's: the rows never moved
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["provider", "reference"], name="unique_payment_reference"),
                       models.CheckConstraint(condition=Q(amount__gt=0), name="payment_positive")]

    def __str__(self):
        return f"{self.provider} {self.reference}: {self.amount:,} rials ({self.status})"


class Refund(models.Model):
    """A settled payment given back in full (a cancelled file, an upheld appeal): through the bank where it
    offers refunds, else by the city's own transfer, recorded with its reference. Each agency's share comes off
    its ledger in the same transaction (negative entries), so the ledger stays the money actually kept."""

    class Method(models.TextChoices):
        GATEWAY = "gateway", _("through the bank gateway")
        TRANSFER = "transfer", _("by the city's bank transfer")

    payment = models.OneToOneField(Payment, on_delete=models.PROTECT, related_name="refund")
    amount = models.BigIntegerField()
    reason = models.TextField()
    method = models.CharField(max_length=10, choices=Method.choices)
    reference = models.CharField(max_length=64, blank=True, help_text="the bank's or the transfer's reference")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")


class LedgerEntry(models.Model):
    """Each agency's share of a settled payment (and, negative, of its refund)."""

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="ledger")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    amount = models.BigIntegerField()
    refund = models.ForeignKey(Refund, null=True, blank=True, on_delete=models.PROTECT, related_name="ledger")
    booked_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "permits_ledgerentry"  # kept from when bills were the single window's: the rows never moved
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        constraints = [models.UniqueConstraint(fields=["payment", "agency"], condition=Q(refund__isnull=True),
                                               name="one_share_per_agency"),
                       models.UniqueConstraint(fields=["refund", "agency"], condition=Q(refund__isnull=False),
                                               name="one_refund_share_per_agency")]

    def __str__(self):
        return f"{self.agency} {self.amount:,} rials ({self.payment.reference})"


class ReconciliationRun(models.Model):
    """One day's card payments compared with the bank's settlement report (``panjereh reconcile``): what agreed
    and each difference (settled here and not at the bank, at the bank and not here, amounts that differ).
    Nothing is changed by it: each difference is for the treasury to look into."""

    date = models.DateField(help_text="the Tehran day reconciled")
    gateway = models.CharField(max_length=16)
    matched = models.PositiveIntegerField(default=0)
    differences = models.JSONField(default=list)
    source = models.CharField(max_length=200, blank=True, help_text="the report's file, or the bank's address")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("card reconciliation")
        verbose_name_plural = _("card reconciliations")
        ordering = ["-date", "-created_at"]
