import datetime

from django.contrib import admin
from django.db import models
from django.utils.translation import gettext_lazy as _

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
    column.short_description = FIELD_LABELS.get(field.name, field.verbose_name) if _auto_named(field) \
        else field.verbose_name
    column.admin_order_field = field.name
    return column


# The administrator's words for fields that were never given a verbose name (Django would show "Created at",
# "Name fa" on a Persian page): by field name, across every app, through the catalogue.
FIELD_LABELS = {
    "created_at": _("created at"), "kind": _("kind"), "status": _("status"), "size": _("size"), "name": _("name"),
    "mobile": _("mobile"), "last_error": _("last error"), "attempts": _("attempts"), "amount": _("amount"),
    "total": _("total"), "stage": _("stage"), "settled_at": _("settled at"), "round": _("round"),
    "reference": _("reference"), "number": _("number"), "note": _("note"), "national_id": _("national ID"),
    "issued_at": _("issued at"), "file": _("file"), "expires_at": _("expires at"), "due_date": _("due date"),
    "depth_m": _("depth (m)"), "decided_at": _("decided at"), "data": _("data"), "content_type": _("content type"),
    "conditions": _("conditions"), "code": _("code"), "application": _("application file"), "address": _("address"),
    "region": _("region"), "land_use": _("land use"), "description": _("description"), "title": _("title"),
    "agency": _("agency"), "layer": _("layer"), "version": _("version"), "url": _("address (URL)"),
    "active": _("active"), "reason": _("reason"), "parcel": _("parcel"), "start_date": _("start date"),
    "end_date": _("end date"), "surface": _("surface"), "location": _("location"), "geom": _("geometry"),
    "works": _("street works"), "subject": _("subject"), "payload": _("payload"), "event_type": _("event type"),
    "uploaded_at": _("uploaded at"), "uploaded_by": _("uploaded by"), "decided_by": _("decided by"),
    "created_by": _("created by"), "name_fa": _("name (Persian)"), "name_en": _("name (English)"),
    "text": _("text"), "date": _("date"), "payer": _("payer"), "provider": _("provider"), "user": _("user"),
    "action": _("action"), "at": _("at"), "actor": _("actor"), "sha256": _("SHA-256"), "size_bytes": _("size"),
}


def _auto_named(field) -> bool:
    """Whether Django made this field's label from its name (no verbose name was given)."""
    return str(field.verbose_name) == field.name.replace("_", " ")


class PanjerehAdmin(admin.ModelAdmin):
    """Every admin page: dates and times in the list columns are shown in the Jalali calendar, and a field that
    was never given a verbose name is labelled from FIELD_LABELS, in the page's language."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if formfield is not None and _auto_named(db_field) and db_field.name in FIELD_LABELS:
            formfield.label = FIELD_LABELS[db_field.name]
        return formfield

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
    list_display = ("date", "city", "reason_fa", "reason_en", "declared_at")
    list_filter = ("city",)
