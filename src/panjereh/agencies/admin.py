from django.contrib import admin

from panjereh.agencies.models import Agency, CounterOffice, Service, StaffProfile


class ServiceInline(admin.TabularInline):
    model = Service
    extra = 0


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ("code", "name_fa", "name_en")
    inlines = [ServiceInline]


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ("code", "agency", "name_fa", "service_distance_m", "min_spare_kva")


@admin.register(CounterOffice)
class CounterOfficeAdmin(admin.ModelAdmin):
    list_display = ("code", "name_fa", "region")


@admin.register(StaffProfile)
class StaffProfileAdmin(admin.ModelAdmin):
    list_display = ("user", "role", "agency", "office")
    list_filter = ("role", "agency")
