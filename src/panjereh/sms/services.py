"""Writing text messages to the outbox. Called inside the transaction of the change the message tells of, so
a message exists exactly when its change does; the worker sends it afterwards (:mod:`panjereh.sms.delivery`)."""

from django.db import IntegrityError, transaction
from django.utils import timezone

from panjereh.sms import templates
from panjereh.sms.models import SmsMessage


def queue(*, kind: str, mobile: str, event_key: str, context: dict, subject: str = "",
          language: str = "fa") -> SmsMessage | None:
    """Write the message of ``kind`` to ``mobile`` for one event (``event_key``, unique: the same event queued
    again writes nothing). Returns the message, or None when there is no mobile to send it to."""
    if not mobile:
        return None
    text = templates.render(kind, context, language)
    try:
        with transaction.atomic():  # a savepoint: a repeated event must not spoil the caller's transaction
            return SmsMessage.objects.create(event_key=event_key[:120], kind=kind, mobile=mobile, text=text,
                                             parts=templates.parts(text), subject=subject[:64],
                                             next_attempt_at=timezone.now())
    except IntegrityError:
        return SmsMessage.objects.filter(event_key=event_key[:120]).first()
