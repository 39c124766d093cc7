"""Street works: each agency's works on the shared map, the municipality's excavation permits, the conflicts
found between agencies' works, and the moratoria that follow a resurfacing."""

from django.conf import settings
from django.contrib.gis.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from panjereh.agencies.models import Agency, RefusalReason

SRID = settings.PANJEREH_STORAGE_SRID


class Works(models.Model):
    """One agency's works in the street: a forward plan (rough geometry, years ahead) or concrete works with
    the trench or area drawn on the map."""

    class Kind(models.TextChoices):
        PLAN = "plan", _("forward plan")
        WORKS = "works", _("works")
        RESURFACING = "resurfacing", _("resurfacing")

    class WorksClass(models.TextChoices):
        MAJOR = "major", _("major")
        STANDARD = "standard", _("standard")
        MINOR = "minor", _("minor")
        IMMEDIATE = "immediate", _("immediate (emergency)")

    class Surface(models.TextChoices):
        ASPHALT = "asphalt", _("asphalt")
        CONCRETE = "concrete", _("concrete")
        UNPAVED = "unpaved", _("unpaved")

    class Status(models.TextChoices):
        PLANNED = "planned", _("planned")
        APPLIED = "applied", _("applied for")
        PERMITTED = "permitted", _("permitted")
        DEEMED = "deemed_permitted", _("deemed permitted")
        REFUSED = "refused", _("refused")
        IN_PROGRESS = "in_progress", _("in progress")
        COMPLETED = "completed", _("completed")
        INTERIM = "interim_reinstatement", _("interim reinstatement")
        PERMANENT = "permanent_reinstatement", _("permanent reinstatement")
        GUARANTEE_ENDED = "guarantee_ended", _("guarantee ended")
        CANCELLED = "cancelled", _("cancelled")

    # works that still occupy (or will occupy) the street: what conflicts and overlaps are looked for among
    LIVE = (Status.PLANNED, Status.APPLIED, Status.PERMITTED, Status.DEEMED, Status.IN_PROGRESS)

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="works")
    reference = models.CharField(max_length=64, help_text="the agency's own reference for the works")
    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.WORKS)
    works_class = models.CharField(max_length=10, choices=WorksClass.choices, default=WorksClass.STANDARD)
    geom = models.GeometryField(srid=SRID)
    streets = models.JSONField(default=list, help_text="names of the streets the works occupy, from the map")
    depth_m = models.FloatField(null=True, blank=True)
    surface = models.CharField(max_length=10, choices=Surface.choices, default=Surface.ASPHALT)
    start_date = models.DateField()
    end_date = models.DateField()
    contact = models.CharField(max_length=200, blank=True, help_text="who to call (never published)")
    status = models.CharField(max_length=24, choices=Status.choices, default=Status.PLANNED)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    guarantee_until = models.DateField(null=True, blank=True, help_text="end of the reinstatement's guarantee")
    shared_trench = models.ForeignKey("SharedTrench", null=True, blank=True, on_delete=models.SET_NULL,
                                      related_name="works")
    share = models.FloatField(null=True, blank=True, help_text="this agency's share of a shared trench (0–1)")
    connection_order = models.ForeignKey("permits.ConnectionOrder", null=True, blank=True,
                                         on_delete=models.PROTECT, related_name="works",
                                         help_text="the connection this trench serves (raised by the single window)")

    class Meta:
        verbose_name = _("street works")
        verbose_name_plural = _("street works")
        constraints = [
            models.UniqueConstraint(fields=["agency", "reference"], name="one_reference_per_agency"),
            models.CheckConstraint(condition=Q(end_date__gte=models.F("start_date")), name="works_end_after_start"),
        ]

    def __str__(self):
        return f"{self.agency.code}/{self.reference}"


class ExcavationPermit(models.Model):
    """The municipality's excavation permit (مجوز حفاری) for one works: applied for with the class's notice,
    answered within the class's answer time or deemed granted."""

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        GRANTED = "granted", _("granted")
        DEEMED = "deemed_granted", _("deemed granted (silence)")
        REFUSED = "refused", _("refused")

    works = models.OneToOneField(Works, on_delete=models.PROTECT, related_name="permit")
    applied_at = models.DateTimeField()
    due_date = models.DateField(help_text="last working day of the municipality's answer time (Tehran)")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    conditions = models.TextField(blank=True, help_text="working hours, traffic plan, plates, warning tape…")
    reason = models.ForeignKey(RefusalReason, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    dig_check = models.JSONField(default=dict, help_text="the dig check of the trench, run at application")
    fee = models.BigIntegerField(default=0, help_text="rials")

    class Meta:
        verbose_name = _("excavation permit")
        verbose_name_plural = _("excavation permits")
        constraints = [models.CheckConstraint(condition=~Q(status="refused") | Q(reason__isnull=False),
                                              name="excavation_refusal_cites_a_reason")]


class WorksConflict(models.Model):
    """Two agencies' works on the same street, near each other, whose dates meet or fall within the window:
    each agency is told, and may propose one shared trench."""

    first = models.ForeignKey(Works, on_delete=models.CASCADE, related_name="+")
    second = models.ForeignKey(Works, on_delete=models.CASCADE, related_name="+")
    distance_m = models.FloatField()
    gap_days = models.IntegerField(help_text="days between the two periods (0 when they overlap)")
    found_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("works conflict")
        verbose_name_plural = _("works conflicts")
        constraints = [models.UniqueConstraint(fields=["first", "second"], name="one_conflict_per_pair")]


class Moratorium(models.Model):
    """No excavation on a resurfaced street until ``until`` (except immediate works and new connections)."""

    street = models.CharField(max_length=200)
    geom = models.GeometryField(srid=SRID)
    surface = models.CharField(max_length=10, choices=Works.Surface.choices)
    since = models.DateField()
    until = models.DateField()
    resurfacing = models.ForeignKey(Works, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("excavation moratorium")
        verbose_name_plural = _("excavation moratoria")


class SharedTrench(models.Model):
    """Dig once: several agencies' works in one trench, under one excavation permit (the lead works'), the
    fee discounted and split by each agency's length of trench."""

    lead = models.OneToOneField(Works, on_delete=models.PROTECT, related_name="leads_trench")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        verbose_name = _("shared trench")
        verbose_name_plural = _("shared trenches")


class Inspection(models.Model):
    """A works chosen at random for inspection in one phase, and what the inspector found."""

    class Phase(models.TextChoices):
        WORKS = "in_progress", _("during the works")
        COMPLETED = "completed", _("after the works, before reinstatement")
        INTERIM = "interim_reinstatement", _("interim reinstatement")
        PERMANENT = "permanent_reinstatement", _("permanent reinstatement")

    works = models.ForeignKey(Works, on_delete=models.CASCADE, related_name="inspections")
    phase = models.CharField(max_length=24, choices=Phase.choices)
    selected_at = models.DateTimeField(auto_now_add=True)
    inspected_at = models.DateTimeField(null=True, blank=True)
    passed = models.BooleanField(null=True)
    defects = models.TextField(blank=True)

    class Meta:
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        constraints = [models.UniqueConstraint(fields=["works", "phase"], name="one_inspection_per_phase")]


class InspectionPhoto(models.Model):
    """A photo the inspector took (JPEG or PNG, checked by content), stored once under its own name."""

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="photos")
    file = models.CharField(max_length=255, help_text="the object's name in the default storage")
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(auto_now_add=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")

    class Meta:
        verbose_name = _("inspection photo")
        verbose_name_plural = _("inspection photos")
        ordering = ["id"]


class RecoveryCharge(models.Model):
    """Article 103 of the Municipalities Law: the municipality restored what the agency left, and charges it
    the cost plus the overhead (10% by default)."""

    works = models.OneToOneField(Works, on_delete=models.PROTECT, related_name="recovery")
    cost = models.BigIntegerField(help_text="rials: the restoration's cost")
    overhead = models.BigIntegerField(help_text="rials")
    total = models.BigIntegerField(help_text="rials: cost + overhead, charged to the agency")
    bill = models.OneToOneField("billing.Bill", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                help_text="the bill the agency pays it with")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("Article 103 recovery charge")
        verbose_name_plural = _("Article 103 recovery charges")
