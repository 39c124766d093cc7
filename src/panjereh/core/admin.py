from django.contrib import admin

from panjereh.core.models import AuditRecord, ClosureDay, OutboxEvent


class ReadOnlyAdmin(admin.ModelAdmin):
    """For records only services write (money, permits, the audit trail): to read, never to add, change or
    delete by hand — a change there would be a change without its audit record and its events."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(AuditRecord)
class AuditRecordAdmin(ReadOnlyAdmin):
    list_display = ("at", "actor", "action", "object_type", "object_id")
    list_filter = ("action", "object_type")


@admin.register(OutboxEvent)
class OutboxEventAdmin(admin.ModelAdmin):
    list_display = ("id", "created_at", "event_type", "agency_code", "parcel_id")
    list_filter = ("event_type", "agency_code")


@admin.register(ClosureDay)
class ClosureDayAdmin(admin.ModelAdmin):
    list_display = ("date", "reason_fa", "reason_en", "declared_at")
