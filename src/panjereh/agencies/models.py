"""Agencies, the services they give, their counter offices and their staff."""

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from panjereh.cities.models import City
from panjereh.cities.services import home_city_id


class Agency(models.Model):
    """An organisation that owns a network or decides on applications (municipality, water, power …)."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    kind = models.SlugField(_("kind"), max_length=32, blank=True, help_text=_(
        "what the agency is (municipality, water, power, gas, telecom, fire): the code of the first agency of its "
        "kind; a second city's municipality has its own code and the kind municipality"))
    cities = models.ManyToManyField(City, related_name="agencies", blank=True, verbose_name=_("cities served"),
                                    help_text=_("a municipality or fire service serves its one city; a water, "
                                                "power, gas or telecom company the cities of its area"))
    name_fa = models.CharField(_("name (Persian)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    review_days = models.PositiveSmallIntegerField(default=10, help_text="deadline for a review, in working days")
    connection_days = models.PositiveSmallIntegerField(
        default=20, help_text="working days from a connection order to the connection installed")
    silence_means_approval = models.BooleanField(
        default=False, help_text="a review still open past its deadline counts as approved")
    review_min_floors = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="review only buildings with at least this many floors (fire service)")
    permits_await_signature = models.BooleanField(
        default=False, help_text="the municipality: a permit waits on the signing official's page for a signature "
        "before its paper is made (otherwise the official who signs papers signs it at issue)")
    colour = models.CharField(_("map colour"), max_length=7, default="#444444",
                              validators=[RegexValidator(r"^#[0-9a-fA-F]{6}$")],
                              help_text="its layers' colour on the maps and in their legends (#rrggbb)")

    class Meta:
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")
        ordering = ["code"]

    def __str__(self):
        return f"{self.name_fa} ({self.code})"

    def save(self, *args, **kwargs):
        self.kind = self.kind or self.code
        super().save(*args, **kwargs)


class Service(models.Model):
    """A utility service an agency provides to a parcel, and how the map decides it is feasible.

    ``network_kinds`` lists the asset kinds that can serve a parcel (e.g. ``water_main``);
    a parcel farther than ``service_distance_m`` from all of them needs a network extension.
    """

    code = models.SlugField(_("code"), max_length=32, unique=True)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="services", verbose_name=_("agency"))
    name_fa = models.CharField(_("name (Persian)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    network_kinds = models.JSONField(default=list, help_text="asset kinds that can serve a parcel")
    service_distance_m = models.FloatField(default=50.0, help_text="farthest a connection may run, metres")
    # Power only: a transformer must have this much spare capacity (kVA) to take a new connection.
    min_spare_kva = models.FloatField(null=True, blank=True)
    search_limit_m = models.FloatField(default=3000.0, help_text="farthest the map looks for a network, metres")
    # Power only: above this demand a connection is medium voltage, fed from these kinds with its own station.
    lv_max_kw = models.FloatField(null=True, blank=True,
                                  help_text="power: above this demand (kW) a connection is medium voltage")
    mv_network_kinds = models.JSONField(default=list, blank=True,
                                        help_text="power: asset kinds a medium-voltage connection is fed from")
    # Gas only: meters of this class and larger are fed from the medium-pressure network.
    mp_from_meter_class = models.CharField(max_length=8, blank=True,
                                           help_text="gas: meters of this class and larger need the "
                                                     "medium-pressure network (G100)")
    pressure_classes = models.JSONField(default=dict, blank=True,
                                        help_text='gas: the pressure written on the mains of each grade, e.g. '
                                                  '{"lp": ["60psi", "lp", ""], "mp": ["250psi", "mp"]} ("": not '
                                                  'recorded, a distribution main)')

    class Meta:
        verbose_name = _("service")
        verbose_name_plural = _("services")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=models.Q(service_distance_m__gt=0), name="service_distance_positive"),
        ]

    def __str__(self):
        return f"{self.name_fa} ({self.code})"


class CounterOffice(models.Model):
    """A counter-service office (دفتر پیشخوان) where applications are taken."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name_fa = models.CharField(_("name (Persian)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    city = models.ForeignKey(City, on_delete=models.PROTECT, default=home_city_id, related_name="offices",
                             verbose_name=_("city"))
    region = models.PositiveSmallIntegerField(null=True, blank=True)
    address = models.CharField(max_length=400, blank=True)

    class Meta:
        verbose_name = _("counter office")
        verbose_name_plural = _("counter offices")
        ordering = ["code"]

    def __str__(self):
        return self.name_fa


class Role(models.TextChoices):
    OPERATOR = "operator", _("counter operator")
    REVIEWER = "reviewer", _("agency reviewer")
    GIS = "gis", _("agency GIS staff")
    SIGNER = "signer", _("municipality signer")
    COORDINATOR = "coordinator", _("coordinator")
    ADMIN = "admin", _("administrator")


class StaffProfile(models.Model):
    """What a staff user is: their agency (or counter office) and role. One per user."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff",
                                verbose_name=_("user"))
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    agency = models.ForeignKey(Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="staff",
                               verbose_name=_("agency"))
    office = models.ForeignKey(CounterOffice, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="staff", verbose_name=_("counter office"))
    cities = models.ManyToManyField(City, related_name="+", blank=True, verbose_name=_("limited to cities"),
                                    help_text=_("empty: every city the agency serves; otherwise only these"))
    # what papers and pages print for this person: a name and a title, never a username
    name_fa = models.CharField(_("name (Persian)"), max_length=120, blank=True)
    name_en = models.CharField(_("name (English)"), max_length=120, blank=True)
    title_fa = models.CharField(_("title (Persian)"), max_length=120, blank=True,
                                help_text=_("e.g. the deputy mayor for planning and architecture"))
    title_en = models.CharField(_("title (English)"), max_length=120, blank=True)
    signs_papers = models.BooleanField(_("signs the papers"), default=False, help_text=_(
        "the official whose name and title the permits, bills and completion certificates carry"))

    def display_name(self, language: str = "fa") -> str:
        """The person as a paper names them: their name in ``language`` (the other language's, then the
        account's full name, when not given)."""
        first, second = (self.name_en, self.name_fa) if language == "en" else (self.name_fa, self.name_en)
        return first or second or self.user.get_full_name() or self.user.get_username()

    def display_title(self, language: str = "fa") -> str:
        return (self.title_en or self.title_fa) if language == "en" else (self.title_fa or self.title_en)

    class Meta:
        verbose_name = _("staff member")
        verbose_name_plural = _("staff members")
        constraints = [
            # Reviewers and GIS staff act for one agency; operators sit at one office.
            models.CheckConstraint(
                condition=~models.Q(role__in=["reviewer", "gis", "signer"]) | models.Q(agency__isnull=False),
                name="agency_staff_have_agency"),
            models.CheckConstraint(condition=~models.Q(role="operator") | models.Q(office__isnull=False),
                                   name="operators_have_office"),
        ]

    def __str__(self):
        return f"{self.user} — {self.role} {self.agency or self.office or ''}"


class RefusalReason(models.Model):
    """A published, numbered condition an agency may cite to refuse (a refusal must cite one)."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="refusal_reasons",
                               verbose_name=_("agency"))
    number = models.PositiveSmallIntegerField(_("number"))
    text_fa = models.CharField(_("text (Persian)"), max_length=400)
    text_en = models.CharField(_("text (English)"), max_length=400, blank=True)
    active = models.BooleanField(_("in force"), default=True)

    class Meta:
        verbose_name = _("refusal reason")
        verbose_name_plural = _("refusal reasons")
        ordering = ["agency", "number"]
        constraints = [models.UniqueConstraint(fields=["agency", "number"], name="unique_reason_number")]

    def __str__(self):
        return f"{self.agency.name_fa} — {self.number}: {self.text_fa}"


class FeeSchedule(models.Model):
    """How one fee is computed: a formula kind (code in agencies.fees) and its coefficients (data)."""

    class Formula(models.TextChoices):
        MUNICIPAL_PERMIT = "municipal_permit", _("municipal building permit fee")
        WATER = "water_connection", _("water connection")
        SEWER = "sewer_connection", _("sewer connection")
        GAS = "gas_meter", _("gas connection by meter class")
        POWER = "power_connection", _("power connection by phases and kW")
        TELECOM = "telecom_lines", _("telecom lines")
        EXCAVATION = "excavation", _("excavation permit by metre, surface and street class")

    code = models.SlugField(_("code"), max_length=32, help_text=_("permit, or the service code"))
    city = models.ForeignKey(City, null=True, blank=True, on_delete=models.CASCADE, related_name="fee_schedules",
                             verbose_name=_("city"), help_text=_("a city's own schedule; empty: every city's, "
                                                                 "where a city has none of its own"))
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="fee_schedules", verbose_name=_("agency"))
    formula = models.CharField(_("formula"), max_length=24, choices=Formula.choices)
    params = models.JSONField(_("parameters"), default=dict)

    class Meta:
        verbose_name = _("fee schedule")
        verbose_name_plural = _("fee schedules")
        ordering = ["code", "city"]
        constraints = [
            models.UniqueConstraint(fields=["code"], condition=models.Q(city__isnull=True),
                                    name="one_default_fee_schedule_per_code"),
            models.UniqueConstraint(fields=["code", "city"], name="one_fee_schedule_per_code_and_city"),
        ]

    def __str__(self):
        return f"{self.code} ({self.formula})"


class StaffToken(models.Model):
    """An API token of a staff member, issued at sign-in (POST /api/v1/auth/token/). Only its hash is stored:
    a copy of the database signs nobody in. It expires, and can be revoked."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    prefix = models.CharField(max_length=8, help_text="the first characters, to tell tokens apart")
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("staff token")
        verbose_name_plural = _("staff tokens")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.user} ({self.prefix}…)"
