"""Shared records every app writes: the audit log and the outbox."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditRecord(models.Model):
    """Who changed what, when: one row per state change, written in the change's transaction."""

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    action = models.CharField(max_length=80)
    object_type = models.CharField(max_length=80)
    object_id = models.CharField(max_length=64)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("audit record")
        verbose_name_plural = _("audit records")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_type}#{self.object_id}"


class OutboxEvent(models.Model):
    """An event for the agencies' own systems, queued in the transaction that caused it.

    Delivery happens after commit, from this table (see docs/architecture.md).
    """

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    event_type = models.CharField(max_length=80)
    agency_code = models.CharField(max_length=32, blank=True)
    parcel_id = models.BigIntegerField(null=True, blank=True)
    payload = models.JSONField(default=dict, blank=True)
    # Set once the worker has made a delivery for every subscription that wants the event.
    fanned_out = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("outbox event")
        verbose_name_plural = _("outbox events")
        ordering = ["id"]
        indexes = [models.Index(fields=["id"], condition=models.Q(fanned_out=False), name="events_to_fan_out")]

    def __str__(self):
        return f"{self.event_type} #{self.pk}"


class ConsumerDelivery(models.Model):
    """One outbox event to be consumed by one of Panjereh's own apps (:mod:`panjereh.core.consumers`): written
    with the event, in the same transaction; done by the worker at least once."""

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting")
        DONE = "done", _("done")
        DEAD = "dead", _("given up")

    event = models.ForeignKey(OutboxEvent, on_delete=models.CASCADE, related_name="consumptions")
    consumer = models.CharField(max_length=80)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    locked_by = models.CharField(max_length=100, blank=True)
    locked_until = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("consumed event")
        verbose_name_plural = _("consumed events")
        constraints = [models.UniqueConstraint(fields=["event", "consumer"], name="one_consumption_per_consumer")]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="consumptions_due")]

    def __str__(self):
        return f"{self.consumer} ← {self.event_id} ({self.status})"


class ClosureDay(models.Model):
    """A day offices closed (heat, dust storm …): not a working day for any deadline. The governor closes the
    whole province or some of its cities (issue 28): with no city named, every city of the deployment; with one,
    that city's files alone. The city key is named by label: ``core`` imports no higher layer."""

    date = models.DateField()
    city = models.ForeignKey("cities.City", on_delete=models.CASCADE, null=True, blank=True,
                             related_name="closure_days", verbose_name=_("city"),
                             help_text=_("Empty: every city of the deployment."))
    reason_fa = models.CharField(max_length=200)
    reason_en = models.CharField(max_length=200, blank=True)
    declared_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("closure day")
        verbose_name_plural = _("closure days")
        ordering = ["-date"]
        constraints = [
            models.UniqueConstraint(fields=["date"], condition=models.Q(city__isnull=True),
                                    name="one_closure_for_every_city_a_day"),
            models.UniqueConstraint(fields=["date", "city"], name="one_closure_per_city_a_day"),
        ]

    def __str__(self):
        return f"{self.date} {self.reason_fa}"


class IssuedPaper(models.Model):
    """A paper Panjereh issues (bill, permit, completion certificate) kept as the PDF rendered when it issued,
    with its SHA-256 and the unguessable code of its public verify address."""

    verification_code = models.CharField(max_length=32, unique=True, null=True, blank=True)
    pdf_file = models.CharField(max_length=255, blank=True, help_text="the PDF as rendered at issue: its name in "
                                "the default storage")
    pdf_sha256 = models.CharField(max_length=64, blank=True)

    class Meta:
        abstract = True
