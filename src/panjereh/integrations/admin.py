from django.contrib import admin

from panjereh.integrations import delivery
from panjereh.integrations.models import AgencyToken, Delivery, Subscription


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = ("agency", "url", "active", "created_at")
    list_filter = ("agency", "active")


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ("id", "event", "subscription", "status", "attempts", "next_attempt_at", "last_error")
    list_filter = ("status", "subscription__agency")
    actions = ["replay_dead"]

    @admin.action(description="Replay the selected dead letters")
    def replay_dead(self, request, queryset):
        n = sum(delivery.replay(event_id=d.event_id) for d in queryset.filter(status="dead"))
        self.message_user(request, f"{n} deliveries queued again")


@admin.register(AgencyToken)
class AgencyTokenAdmin(admin.ModelAdmin):
    list_display = ("agency", "name", "prefix", "created_at", "revoked_at")
    readonly_fields = ("prefix", "key_hash")
