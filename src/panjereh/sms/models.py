"""Text messages to applicants, kept as an outbox: written in the same transaction as the change they tell of,
sent afterwards by the worker (at least once, with backoff), each with its own message id, which the provider
uses to drop a repeat — so a retry after a lost answer never reaches the person twice."""

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class SmsMessage(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("waiting to be sent")
        SENT = "sent", _("sent")
        DEAD = "dead", _("given up")

    message_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False,
                                  help_text="sent to the provider, which drops a second message with the same id")
    # one message per event: queuing the same event twice (a repeated call) writes nothing the second time
    event_key = models.CharField(max_length=120, unique=True)
    kind = models.CharField(max_length=32)
    mobile = models.CharField(max_length=11)
    text = models.TextField()
    parts = models.PositiveSmallIntegerField(default=1)
    subject = models.CharField(max_length=64, blank=True, help_text="what it is about (a file's tracking code)")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    locked_by = models.CharField(max_length=100, blank=True)
    locked_until = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    provider_reference = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("text message")
        verbose_name_plural = _("text messages")
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="sms_due"),
                   models.Index(fields=["subject"], name="sms_subject")]
        constraints = [models.CheckConstraint(condition=~Q(status="sent") | Q(sent_at__isnull=False),
                                              name="sms_sent_has_time")]

    def __str__(self):
        return f"{self.kind} → {self.mobile[:4]}…{self.mobile[-2:]} ({self.status})"
