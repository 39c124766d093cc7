import datetime

from django.contrib import admin
from django.db import models

from panjereh.core.calendar import TEHRAN, jalali
from panjereh.core.models import AuditRecord, ClosureDay, OutboxEvent


def _jalali_column(field):
    """A list column showing a date or time field in the Jalali calendar (times in Tehran), sortable by it."""
    def column(obj):
        value = getattr(obj, field.name)
        if value is None:
            return "—"
        if isinstance(value, datetime.datetime):
            return f"{jalali(value)} {value.astimezone(TEHRAN):%H:%M}"
        return jalali(value)
    column.short_description = field.verbose_name
    column.admin_order_field = field.name
    return column


class PanjerehAdmin(admin.ModelAdmin):
    """Every admin page: dates and times in the list columns are shown in the Jalali calendar."""

    def get_list_display(self, request):
        columns = []
        for name in super().get_list_display(request):
            field = next((f for f in self.model._meta.fields if f.name == name), None)
            columns.append(_jalali_column(field) if isinstance(field, (models.DateField, models.DateTimeField))
                           else name)
        return columns


class ReadOnlyAdmin(PanjerehAdmin):
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
class OutboxEventAdmin(PanjerehAdmin):
    list_display = ("id", "created_at", "event_type", "agency_code", "parcel_id")
    list_filter = ("event_type", "agency_code")


@admin.register(ClosureDay)
class ClosureDayAdmin(PanjerehAdmin):
    list_display = ("date", "reason_fa", "reason_en", "declared_at")
