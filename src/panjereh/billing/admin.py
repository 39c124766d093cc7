"""Bills, payments and the ledger in the admin: read only (money changes only through billing's services)."""

from django.contrib import admin

from panjereh.billing.models import Bill, BillLine, LedgerEntry, Payment
from panjereh.core.admin import ReadOnlyAdmin, ReadOnlyInline


class BillLineInline(ReadOnlyInline):
    model = BillLine


@admin.register(Bill)
class BillAdmin(ReadOnlyAdmin):
    list_display = ("application", "stage", "total", "paid", "settled_at")
    inlines = [BillLineInline]


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = ("reference", "provider", "amount", "status", "bank_reference", "settled_at")
    exclude = ("token",)
    list_filter = ("provider", "status")


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = ("payment", "agency", "amount", "booked_at")
    list_filter = ("agency",)
