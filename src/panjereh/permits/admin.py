from django.contrib import admin

from panjereh.permits.models import (Application, Bill, BillLine, ConnectionOrder, Payment, Permit, ReviewTask,
                                     ServiceRequest, TariffChange)


class ServiceRequestInline(admin.TabularInline):
    model = ServiceRequest
    extra = 0


class ReviewTaskInline(admin.TabularInline):
    model = ReviewTask
    extra = 0
    readonly_fields = ("agency", "stage", "status", "due_date", "decided_at", "decided_by", "reason", "overdue_at")


@admin.register(Application)
class ApplicationAdmin(admin.ModelAdmin):
    list_display = ("tracking_code", "status", "parcel", "applicant", "office", "submitted_at")
    list_filter = ("status", "office")
    search_fields = ("tracking_code", "applicant__national_id", "applicant_mobile")
    inlines = [ServiceRequestInline, ReviewTaskInline]
    readonly_fields = ("feasibility", "planning_problems")


class BillLineInline(admin.TabularInline):
    model = BillLine
    extra = 0


@admin.register(Bill)
class BillAdmin(admin.ModelAdmin):
    list_display = ("application", "stage", "total", "paid", "settled_at")
    inlines = [BillLineInline]


@admin.register(Payment)
class PaymentAdmin(admin.ModelAdmin):
    list_display = ("reference", "provider", "amount", "status", "settled_at")
    list_filter = ("provider", "status")


@admin.register(Permit)
class PermitAdmin(admin.ModelAdmin):
    list_display = ("number", "application", "issued_at")


@admin.register(ConnectionOrder)
class ConnectionOrderAdmin(admin.ModelAdmin):
    list_display = ("application", "service", "agency", "status", "created_at")
    list_filter = ("agency", "status")


@admin.register(TariffChange)
class TariffChangeAdmin(admin.ModelAdmin):
    list_display = ("parcel", "permit", "cause", "from_class", "to_class", "effective_date")
