"""Consistency of the agencies' layers, and incidents with what to close and who is affected."""

from django.conf import settings
from django.contrib.gis.db import models
from django.utils.translation import gettext_lazy as _

from panjereh.agencies.models import Agency
from panjereh.citymap.models import Feature


class LayingRule(models.Model):
    """Where an asset kind lies across a street: its distance from the centreline (DOMAIN.md; configuration).

    The offset check compares every line with these distances to estimate a layer's systematic shift.
    """

    kind = models.CharField(max_length=24, unique=True)
    offset_m = models.FloatField(help_text="distance from the street centreline, metres (0: the centre)")

    def __str__(self):
        return f"{self.kind}: {self.offset_m} m"


class ClearanceRule(models.Model):
    """The least horizontal distance between two kinds of asset running side by side."""

    name = models.SlugField(max_length=40, unique=True)
    kinds_a = models.JSONField()
    kinds_b = models.JSONField()
    min_m = models.FloatField()
    # The water–sewer rule relaxes where the water main lies above the sewer (DOMAIN.md).
    min_m_if_a_above = models.FloatField(null=True, blank=True)

    def __str__(self):
        return f"{self.name}: {self.min_m} m"


class ConsistencyRun(models.Model):
    started_at = models.DateTimeField(auto_now_add=True)
    seconds = models.FloatField(default=0)
    counts = models.JSONField(default=dict)

    class Meta:
        ordering = ["-started_at"]


class Finding(models.Model):
    """One problem found by a consistency run, shown to the agencies it concerns."""

    run = models.ForeignKey(ConsistencyRun, on_delete=models.CASCADE, related_name="findings")
    check_name = models.CharField(max_length=24)  # offset, clearance, under_parcel, off_street, wrong_crs, duplicate
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    other_agency = models.ForeignKey(Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    layer_code = models.CharField(max_length=64, blank=True)
    features = models.JSONField(default=list, help_text="ids (and ext_ids) of the features concerned")
    message_fa = models.CharField(max_length=400)
    message_en = models.CharField(max_length=400)
    data = models.JSONField(default=dict)
    location = models.PointField(srid=settings.PANJEREH_STORAGE_SRID, null=True, blank=True)

    class State(models.TextChoices):
        OPEN = "open", _("open")
        ACKNOWLEDGED = "acknowledged", _("acknowledged")
        FIXED = "fixed", _("marked fixed")
        CONFIRMED = "confirmed", _("fixed, confirmed by the next run")
        DISMISSED = "dismissed", _("dismissed")

    # the same problem in two runs has the same key (check, agencies, features): what staff said of it carries over
    key = models.CharField(max_length=64, blank=True, db_index=True)
    state = models.CharField(max_length=12, choices=State.choices, default=State.OPEN)
    reason = models.CharField(max_length=400, blank=True, help_text="why it was dismissed")
    reopened = models.BooleanField(default=False, help_text="marked fixed, found again by a later run")

    class Meta:
        ordering = ["run", "check_name", "id"]


class FindingEvent(models.Model):
    """One step of a finding's history, kept across runs by the finding's key."""

    key = models.CharField(max_length=64, db_index=True)
    finding = models.ForeignKey(Finding, null=True, blank=True, on_delete=models.SET_NULL, related_name="events")
    at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    action = models.CharField(max_length=16)  # acknowledged, fixed, dismissed, reopened, confirmed
    reason = models.CharField(max_length=400, blank=True)

    class Meta:
        ordering = ["at", "id"]


class Incident(models.Model):
    """A gas leak, a burst main, a cable fault, a collapse: where, on what, and the response computed."""

    class Kind(models.TextChoices):
        GAS_LEAK = "gas_leak", _("gas leak")
        WATER_BURST = "water_burst", _("burst water main")
        CABLE_FAULT = "cable_fault", _("cable fault")
        COLLAPSE = "collapse", _("collapse")
        # planned interruptions: works that need a network shut, registered and told ahead
        PLANNED_WATER = "planned_water", _("planned water interruption")
        PLANNED_GAS = "planned_gas", _("planned gas interruption")
        PLANNED_POWER = "planned_power", _("planned power interruption")

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        CLOSED = "closed", _("closed")

    kind = models.CharField(max_length=16, choices=Kind.choices)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    planned = models.BooleanField(default=False)
    # when supply stops (a planned interruption: its announced start; otherwise when it was reported) and when
    # it came back: the reliability figures (SAIDI, SAIFI) are computed from these two
    starts_at = models.DateTimeField(null=True, blank=True)
    ends_at = models.DateTimeField(null=True, blank=True, help_text="a planned interruption's announced end")
    restored_at = models.DateTimeField(null=True, blank=True)
    handled_by = models.ForeignKey(Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                   help_text="the agency working on it")
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    location = models.PointField(srid=settings.PANJEREH_STORAGE_SRID)
    feature = models.ForeignKey(Feature, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    radius_m = models.FloatField(default=50)
    reported_at = models.DateTimeField(auto_now_add=True)
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    note = models.CharField(max_length=500, blank=True)
    response = models.JSONField(default=dict)

    class Meta:
        ordering = ["-reported_at"]
        indexes = [models.Index(fields=["status", "starts_at"], name="incident_board")]

    @property
    def network(self) -> str | None:
        """The network whose supply the incident cuts (water, gas, power), or None (a collapse)."""
        return NETWORK_OF_KIND.get(self.kind)


NETWORK_OF_KIND = {"water_burst": "water", "planned_water": "water", "gas_leak": "gas", "planned_gas": "gas",
                   "cable_fault": "power", "planned_power": "power"}


class IncidentNote(models.Model):
    """What the crisis room wrote about an incident as it went: who, when, what."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="notes")
    written_at = models.DateTimeField(auto_now_add=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+")
    text = models.CharField(max_length=1000)

    class Meta:
        ordering = ["written_at", "id"]
