"""Connections to the agencies' own systems: outgoing webhook subscriptions and deliveries,
incoming API tokens and idempotency records."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from panjereh.agencies.models import Agency
from panjereh.core.models import OutboxEvent
from panjereh.integrations.destinations import DestinationRefused, check_destination


class Subscription(models.Model):
    """An agency system that wants events: where to POST them, the shared secret, which event types."""

    class Meta:
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="subscriptions")
    url = models.URLField(max_length=500)
    secret = models.CharField(max_length=128, help_text="shared HMAC secret; give it to the agency once")
    event_types = models.JSONField(default=list, blank=True, help_text="empty: every event of this agency")
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def clean(self):
        from django.core.exceptions import ValidationError

        try:
            check_destination(self.url)
        except DestinationRefused as exc:
            raise ValidationError({"url": str(exc)}) from None

    def wants(self, event: OutboxEvent) -> bool:
        return event.agency_code == self.agency.code and (not self.event_types or event.event_type in self.event_types)

    def __str__(self):
        return f"{self.agency.code} → {self.url}"


class Delivery(models.Model):
    """One event to one subscription: retried with backoff until delivered or dead-lettered.

    A worker claims a delivery by a conditional update of ``locked_by``/``locked_until`` (a lease);
    a worker killed mid-delivery leaves a lease that expires, and another worker delivers again
    (at least once; receivers dedupe by event id).
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        DELIVERED = "delivered", _("delivered")
        DEAD = "dead", _("dead letter")

    event = models.ForeignKey(OutboxEvent, on_delete=models.PROTECT, related_name="deliveries")
    subscription = models.ForeignKey(Subscription, on_delete=models.PROTECT, related_name="deliveries")
    parcel_key = models.BigIntegerField(default=0, help_text="the event's parcel (0: none): order is kept per key")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(db_index=True)
    locked_by = models.CharField(max_length=64, blank=True)
    locked_until = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["event", "subscription"], name="one_delivery_per_subscription")]
        indexes = [models.Index(fields=["subscription", "parcel_key", "status", "event"]),
                   models.Index(fields=["status", "next_attempt_at"], condition=Q(status="pending"),
                                name="pending_deliveries")]

    def __str__(self):
        return f"event {self.event_id} → {self.subscription_id}: {self.status}"


class AgencyToken(models.Model):
    """An API token an agency's system uses to post answers. Only its hash is stored; it can be revoked."""

    class Meta:
        verbose_name = _("agency token")
        verbose_name_plural = _("agency tokens")

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"{self.agency.code}/{self.name} ({self.prefix}…)"


class IdempotencyRecord(models.Model):
    """The first answer to an inbound request with an Idempotency-Key; a repeat gets it back unchanged."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    key = models.CharField(max_length=200)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    response = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["agency", "key"], name="one_answer_per_key")]
