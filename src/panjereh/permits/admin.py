from django.contrib import admin

from panjereh.core.admin import PanjerehAdmin, ReadOnlyAdmin
from panjereh.permits.models import (Application, CompletionCertificate, ConnectionOrder, DocumentRequirement, Permit,
                                     ReviewTask, ServiceRequest, TariffChange)


class ServiceRequestInline(admin.TabularInline):
    model = ServiceRequest
    extra = 0


class ReviewTaskInline(admin.TabularInline):
    model = ReviewTask
    extra = 0
    readonly_fields = ("agency", "stage", "status", "due_date", "decided_at", "decided_by", "reason", "overdue_at")


@admin.register(Application)
class ApplicationAdmin(PanjerehAdmin):
    list_display = ("tracking_code", "status", "parcel", "applicant", "office", "submitted_at")
    list_filter = ("status", "office")
    search_fields = ("tracking_code", "applicant__national_id", "applicant_mobile")
    inlines = [ServiceRequestInline, ReviewTaskInline]
    readonly_fields = ("feasibility", "planning_problems")


@admin.register(CompletionCertificate)
class CompletionCertificateAdmin(ReadOnlyAdmin):
    list_display = ("application", "issued_at")


@admin.register(Permit)
class PermitAdmin(ReadOnlyAdmin):
    list_display = ("number", "application", "issued_at")


@admin.register(ConnectionOrder)
class ConnectionOrderAdmin(PanjerehAdmin):
    list_display = ("application", "service", "agency", "status", "created_at")
    list_filter = ("agency", "status")


@admin.register(TariffChange)
class TariffChangeAdmin(ReadOnlyAdmin):
    list_display = ("parcel", "permit", "cause", "from_class", "to_class", "effective_date")


@admin.register(DocumentRequirement)
class DocumentRequirementAdmin(PanjerehAdmin):
    """The documents each permit type needs: the city's regulation, edited here."""

    list_display = ("permit_type", "position", "kind")
    list_filter = ("permit_type",)
