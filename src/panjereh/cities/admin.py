from django.contrib import admin

from panjereh.cities.models import City


@admin.register(City)
class CityAdmin(admin.ModelAdmin):
    """Cities are added with `panjereh createcity` (or here); the code and prefix are fixed once numbers use them."""

    list_display = ("code", "name_fa", "prefix", "srid", "created_at")
    search_fields = ("code", "name_fa", "name_en")

    def get_readonly_fields(self, request, obj=None):
        return ("code", "prefix", "srid", "created_at") if obj else ("srid", "created_at")

    def save_model(self, request, obj, form, change):
        if not change:
            from panjereh.cities.services import utm_srid
            obj.srid = utm_srid(obj.centre_lon, obj.centre_lat)
        super().save_model(request, obj, form, change)
