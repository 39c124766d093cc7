from django.contrib import admin

from panjereh.core.admin import PanjerehAdmin
from panjereh.agencies.models import (Agency, CounterOffice, FeeSchedule, RefusalReason, Service, StaffProfile,
                                      StaffToken)


class ServiceInline(admin.TabularInline):
    model = Service
    extra = 0


@admin.register(Agency)
class AgencyAdmin(PanjerehAdmin):
    list_display = ("code", "name_fa", "name_en", "review_days", "silence_means_approval", "review_min_floors")
    inlines = [ServiceInline]


@admin.register(Service)
class ServiceAdmin(PanjerehAdmin):
    list_display = ("code", "agency", "name_fa", "service_distance_m", "min_spare_kva")


@admin.register(CounterOffice)
class CounterOfficeAdmin(PanjerehAdmin):
    list_display = ("code", "name_fa", "region")


@admin.register(StaffProfile)
class StaffProfileAdmin(PanjerehAdmin):
    list_display = ("user", "name_fa", "title_fa", "role", "agency", "office", "signs_papers")
    list_filter = ("role", "agency")


@admin.register(RefusalReason)
class RefusalReasonAdmin(PanjerehAdmin):
    list_display = ("agency", "number", "text_fa", "active")
    list_filter = ("agency", "active")


@admin.register(FeeSchedule)
class FeeScheduleAdmin(PanjerehAdmin):
    list_display = ("code", "city", "agency", "formula")
    list_filter = ("city",)


@admin.register(StaffToken)
class StaffTokenAdmin(PanjerehAdmin):
    """Staff API tokens, issued at sign-in; only a hash is kept. Here they are seen and revoked."""

    list_display = ("user", "prefix", "created_at", "expires_at", "revoked_at")
    exclude = ("key_hash",)
    readonly_fields = ("user", "prefix", "created_at", "expires_at")

    def has_add_permission(self, request):
        return False
