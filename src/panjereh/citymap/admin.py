from django.contrib import admin

from panjereh.citymap.models import AssetKind, KindAlias, Layer
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


@admin.register(AssetKind)
class AssetKindAdmin(PanjerehAdmin):
    """Kinds of asset beyond the built-in vocabulary, added by an agency for its own networks."""

    list_display = ("code", "name_fa", "geometry", "agency")
    list_filter = ("agency", "geometry")
