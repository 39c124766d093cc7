from django.contrib import admin

from panjereh.citymap.models import KindAlias, Layer
from panjereh.core.admin import PanjerehAdmin


@admin.register(Layer)
class LayerAdmin(PanjerehAdmin):
    """Layers: who owns them, what they hold, who sees them (their content is imported, never edited here)."""

    list_display = ("code", "name_fa", "agency", "kind", "geometry_type", "visibility", "created_at")
    list_filter = ("agency", "kind", "visibility")
    readonly_fields = ("current_version",)


@admin.register(KindAlias)
class KindAliasAdmin(PanjerehAdmin):
    """An agency's own names for asset kinds, as its files write them: mapped on import."""

    list_display = ("agency", "alias", "kind")
    list_filter = ("agency",)
