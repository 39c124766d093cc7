"""A plan check: one drawing checked against one parcel's zoning, kept under a number an application can cite.

The drawing is stored once (its SHA-256 names it); the same drawing on the same parcel is the same check, a
changed drawing a new one. The findings are kept as the check computed them, each with its rule's article."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from panjereh.citymap.models import Parcel
from panjereh.permits.models import Application


class PlanCheck(models.Model):
    class Format(models.TextChoices):
        DXF = "dxf", "DXF"
        IFC = "ifc", "IFC"

    number = models.CharField(max_length=20, unique=True, help_text="the check number an application cites")
    parcel = models.ForeignKey(Parcel, on_delete=models.PROTECT, related_name="plan_checks")
    format = models.CharField(max_length=4, choices=Format.choices)
    file = models.CharField(max_length=255, help_text="the drawing's object name in the default storage")
    original_name = models.CharField(max_length=200, blank=True)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    land_use = models.CharField(max_length=20, help_text="the use the drawing is checked for")
    units = models.PositiveSmallIntegerField(null=True, blank=True, help_text="dwelling units declared, if any")
    application = models.ForeignKey(Application, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="plan_checks", help_text="the file it was attached to, if any")
    measured = models.JSONField(default=dict, help_text="what was read from the drawing (metres, m², counts)")
    outlines = models.JSONField(default=dict, help_text="the lot and the ground floor as drawn (metres), for the "
                                "report's figure")
    verification_code = models.CharField(max_length=32, unique=True, null=True, blank=True)
    pdf_file = models.CharField(max_length=255, blank=True)
    pdf_sha256 = models.CharField(max_length=64, blank=True)
    findings = models.JSONField(default=list)
    passed = models.BooleanField(help_text="every finding passes (none fails, none cannot be told)")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        verbose_name = _("plan check")
        verbose_name_plural = _("plan checks")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["parcel", "sha256", "land_use", "units", "application"],
                                               name="plancheck_one_check_per_drawing")]

    def __str__(self):
        return self.number


class PlanCheckJob(models.Model):
    """A large drawing's check, run by the worker (``PANJEREH_PLANCHECK_INLINE_BYTES`` and up): the upload is
    stored, the person sees its progress, the check it becomes (or why not) is kept here."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("waiting for the worker")
        RUNNING = "running", _("being checked")
        DONE = "done", _("checked")
        FAILED = "failed", _("not checked")

    token = models.CharField(max_length=32, unique=True, help_text="the job's address (unguessable)")
    parcel = models.ForeignKey(Parcel, on_delete=models.CASCADE, related_name="+")
    application = models.ForeignKey(Application, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    file = models.CharField(max_length=255, help_text="the upload in the default storage, until it is checked")
    original_name = models.CharField(max_length=200, blank=True)
    land_use = models.CharField(max_length=20)
    units = models.PositiveSmallIntegerField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0, help_text="percent")
    claimed_until = models.DateTimeField(null=True, blank=True)
    result = models.ForeignKey(PlanCheck, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    problems = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("plan check in the worker")
        verbose_name_plural = _("plan checks in the worker")
        ordering = ["created_at", "id"]
