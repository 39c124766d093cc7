import secrets

from django.contrib import admin, messages

from panjereh.core.admin import PanjerehAdmin
from panjereh.integrations import delivery
from panjereh.integrations.models import AgencyToken, Delivery, Subscription


@admin.register(Subscription)
class SubscriptionAdmin(PanjerehAdmin):
    """The shared secret is made here and shown once, when the subscription is created; never again."""

    list_display = ("agency", "url", "active", "created_at")
    list_filter = ("agency", "active")
    exclude = ("secret",)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.secret = secrets.token_urlsafe(32)
        super().save_model(request, obj, form, change)
        if not change:
            self.message_user(request, f"shared secret for {obj.agency.code} (shown once; give it to the agency): "
                                       f"{obj.secret}", level=messages.WARNING)


@admin.register(Delivery)
class DeliveryAdmin(PanjerehAdmin):
    list_display = ("id", "event", "subscription", "status", "attempts", "next_attempt_at", "last_error")
    list_filter = ("status", "subscription__agency")
    actions = ["replay_dead"]

    @admin.action(description="Replay the selected dead letters")
    def replay_dead(self, request, queryset):
        n = sum(delivery.replay(event_id=d.event_id) for d in queryset.filter(status="dead"))
        self.message_user(request, f"{n} deliveries queued again")


@admin.register(AgencyToken)
class AgencyTokenAdmin(PanjerehAdmin):
    """Tokens are made by `panjereh agencytoken` (the key is shown once there); here they are revoked."""

    list_display = ("agency", "name", "prefix", "created_at", "revoked_at")
    exclude = ("key_hash",)
    readonly_fields = ("agency", "name", "prefix", "created_at")

    def has_add_permission(self, request):
        return False
