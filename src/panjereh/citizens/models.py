"""One-time codes a citizen signs in with (sent by SMS to the mobile, checked against the national ID).

Only a keyed hash of each code is stored; a code expires, is used once, allows a few wrong tries, and the
number of codes asked for is limited per mobile and per address (``services.request_code``)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class OneTimeCode(models.Model):
    national_id = models.CharField(max_length=11)
    mobile = models.CharField(max_length=11)
    code_hash = models.CharField(max_length=64, help_text="HMAC-SHA256 of the code (the code itself is never kept)")
    ip = models.GenericIPAddressField(null=True, blank=True, help_text="who asked: for the per-address limit")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    wrong_tries = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("one-time code")
        verbose_name_plural = _("one-time codes")
        indexes = [models.Index(fields=["mobile", "created_at"], name="otp_mobile_time"),
                   models.Index(fields=["ip", "created_at"], name="otp_ip_time")]
