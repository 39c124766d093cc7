"""The shared city map: parcels, layers with versions, and every layer's features.

All geometry is stored in the city's projected CRS (PANJEREH_STORAGE_SRID; EPSG:32639, UTM 39N, for Ahvaz).
"""

from django.conf import settings
from django.contrib.gis.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from panjereh.agencies.models import Agency
from panjereh.cities.models import City
from panjereh.cities.services import home_city_id
from panjereh.citymap.vocabulary import ASSET_KINDS, GEOMETRY_TYPES, AssetStatus, LandUse

SRID = settings.PANJEREH_STORAGE_SRID


class Parcel(models.Model):
    """A registered land parcel of the municipality's base map."""

    city = models.ForeignKey(City, on_delete=models.PROTECT, default=home_city_id, related_name="+",
                             db_index=False, verbose_name=_("city"))
    registry_district = models.PositiveIntegerField(help_text="حوزه ثبتی")
    plate_main = models.PositiveIntegerField(help_text="پلاک اصلی")
    plate_sub = models.PositiveIntegerField(help_text="پلاک فرعی")
    postal_code = models.CharField(max_length=10, blank=True, db_index=True)
    land_use = models.CharField(max_length=20, choices=LandUse.choices)
    max_floors = models.PositiveSmallIntegerField(help_text="zoning: most floors allowed")
    max_density = models.PositiveSmallIntegerField(help_text="zoning: floor-area ratio allowed, percent")
    area_m2 = models.FloatField()
    region = models.PositiveSmallIntegerField(help_text="municipal region 1–8")
    regional_value = models.BigIntegerField(help_text="block regional value, rials per m²")
    geom = models.PolygonField(srid=SRID)

    class Meta:
        verbose_name = _("parcel")
        verbose_name_plural = _("parcels")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["city", "registry_district", "plate_main", "plate_sub"],
                                    name="unique_plate_in_city"),
            models.CheckConstraint(condition=Q(region__gte=1) & Q(region__lte=8), name="parcel_region_1_8"),
            models.CheckConstraint(condition=Q(area_m2__gt=0), name="parcel_area_positive"),
            models.CheckConstraint(condition=Q(regional_value__gte=0), name="parcel_value_not_negative"),
        ]
        indexes = [models.Index(fields=["plate_main", "plate_sub"]), models.Index(fields=["city", "id"])]

    def __str__(self):
        return f"{self.registry_district}/{self.plate_main}/{self.plate_sub}"

    @property
    def plate(self) -> str:
        """The plate as people write it: main/sub (district)."""
        return f"{self.plate_main}/{self.plate_sub}"


class Visibility(models.TextChoices):
    PUBLIC = "public", _("anyone, signed in or not")
    STAFF = "staff", _("every agency's staff")
    AGENCY = "agency", _("the owning agency only")


class Layer(models.Model):
    """A map layer published by one agency. Its content is the features of its current version."""

    class Kind(models.TextChoices):
        NETWORK = "network", _("network assets with typed attributes")
        GENERIC = "generic", _("features with the agency's own attributes")
        PARCELS = "parcels", _("the parcel base map")

    code = models.SlugField(_("code"), max_length=64, unique=True)
    name_fa = models.CharField(_("name (Persian)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="layers", verbose_name=_("agency"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    geometry_type = models.CharField(_("geometry type"), max_length=12, choices=[(g, g) for g in GEOMETRY_TYPES])
    allowed_kinds = models.JSONField(_("allowed asset kinds"), default=list, blank=True,
                                     help_text=_("network layers: asset kinds allowed"))
    visibility = models.CharField(_("visibility"), max_length=10, choices=Visibility.choices, default=Visibility.STAFF)
    current_version = models.ForeignKey("LayerVersion", null=True, blank=True, on_delete=models.SET_NULL,
                                        related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    # codes other collections use in the same URL spaces (/tiles/<code>/, /ogc/collections/<code>/): the street
    # works, and the parcel base map (a layer of its own kind, loaded from the land registry, never created)
    RESERVED_CODES = ("works", "parcels")

    class Meta:
        verbose_name = _("layer")
        verbose_name_plural = _("layers")
        ordering = ["agency__code", "code"]
        constraints = [models.CheckConstraint(condition=~Q(code__in=["works"]), name="layer_code_not_reserved")]

    def __str__(self):
        return self.code


class LayerVersion(models.Model):
    """One import of a layer. Versions are never edited; rolling back points the layer at an older one."""

    layer = models.ForeignKey(Layer, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    source_name = models.CharField(max_length=255, blank=True)
    source_format = models.CharField(max_length=20, blank=True)
    source_crs = models.CharField(max_length=100, blank=True)
    feature_count = models.PositiveIntegerField(default=0)
    repaired_count = models.PositiveIntegerField(default=0)
    note = models.CharField(max_length=500, blank=True)
    bbox = models.JSONField(null=True, blank=True, help_text="extent in CRS84: west, south, east, north")
    archived_at = models.DateTimeField(null=True, blank=True,
                                       help_text="when its features moved to the archive table (citymap.archive)")

    class Meta:
        verbose_name = _("layer version")
        verbose_name_plural = _("layer versions")
        ordering = ["layer", "-number"]
        constraints = [models.UniqueConstraint(fields=["layer", "number"], name="unique_layer_version")]

    def __str__(self):
        return f"{self.layer.code} v{self.number}"


class FeatureQuerySet(models.QuerySet):
    def current(self):
        """Features of their layer's current version."""
        return self.filter(version_id__in=Layer.objects.filter(current_version__isnull=False)
                           .values("current_version_id"))


class AssetAttributes(models.Model):
    """The typed columns of a network asset (and the agency's own attributes), shared by the live feature
    table and the archive of old versions, so the two can never drift apart."""

    ext_id = models.CharField(max_length=64, blank=True, help_text="the feature's id in the agency's own system")
    kind = models.CharField(max_length=24, blank=True)
    status = models.CharField(max_length=10, choices=AssetStatus.choices, default=AssetStatus.ACTIVE)
    diameter_mm = models.FloatField(null=True, blank=True)
    material = models.CharField(max_length=24, blank=True)
    depth_m = models.FloatField(null=True, blank=True)
    pressure_class = models.CharField(max_length=24, blank=True)
    voltage_kv = models.FloatField(null=True, blank=True)
    install_year = models.PositiveSmallIntegerField(null=True, blank=True)
    capacity_kva = models.FloatField(null=True, blank=True)
    load_kva = models.FloatField(null=True, blank=True)
    attrs = models.JSONField(default=dict, blank=True)

    class Meta:
        abstract = True


class Feature(AssetAttributes):
    """One feature of one layer version: a network asset or a generic feature.

    A feature is current when its version is its layer's current version: publishing or rolling
    back a version moves one pointer and rewrites no feature row.
    """

    # Indexes are few on purpose: every one is paid on every imported row. Features are found by
    # version (its foreign-key index) or by place (the spatial index), never by layer or agency alone.
    # No foreign key of a feature is checked by the database row by row: it checks each foreign key of each
    # inserted row at commit, and those checks were half of a 126,000-feature import on PostGIS (0.6 s per
    # key). The rows are written only by publish_version, in the transaction that creates their version, with
    # the layer locked; the layer and the agency are copies of the version's layer and that layer's agency,
    # kept on the row so that a query filters without two joins. What the version's key guarded — a version
    # removed while its features are there — a trigger on the versions' table refuses (migration 0007).
    layer = models.ForeignKey(Layer, on_delete=models.CASCADE, related_name="features", db_index=False,
                              db_constraint=False)
    version = models.ForeignKey(LayerVersion, on_delete=models.CASCADE, related_name="features",
                                db_constraint=False)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+", db_index=False,
                               db_constraint=False)
    # ext_id … attrs: AssetAttributes
    geom = models.GeometryField(srid=SRID)

    class Meta:
        ordering = ["id"]
        indexes = [
        ]

    objects = FeatureQuerySet.as_manager()

    def __str__(self):
        return f"{self.layer_id}:{self.ext_id or self.pk}"


class FeatureArchive(AssetAttributes):
    """Features of old layer versions, moved out of the live feature table so that its spatial index holds only
    recent versions (citymap.archive). Same columns and the same ids as :class:`Feature`; no spatial index,
    because nothing asks the archive where things are: a version comes back to the live table before use."""

    id = models.BigIntegerField(primary_key=True)
    layer = models.ForeignKey(Layer, on_delete=models.CASCADE, related_name="+", db_index=False)
    version = models.ForeignKey(LayerVersion, on_delete=models.CASCADE, related_name="archived_features")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+", db_index=False)
    # ext_id … attrs: AssetAttributes
    geom = models.GeometryField(srid=SRID, spatial_index=False)

    class Meta:
        ordering = ["id"]


class AssetKind(models.Model):
    """A kind of asset an agency's network holds beyond the built-in vocabulary (vocabulary.ASSET_KINDS): an
    agency adds its own here (a 33 kV line, a district heating pipe …) and may then list it in its layers."""

    code = models.SlugField(max_length=32, unique=True)
    geometry = models.CharField(max_length=12, choices=[(g, g) for g in ("Point", "LineString", "Polygon")])
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="asset_kinds")
    name_fa = models.CharField(max_length=100)
    name_en = models.CharField(max_length=100, blank=True)

    class Meta:
        verbose_name = _("asset kind")
        verbose_name_plural = _("asset kinds")

    def __str__(self):
        return self.code


def asset_kinds() -> dict[str, tuple]:
    """Every kind a layer may hold: the built-in vocabulary and the agencies' own (code → (geometry, agency,
    Persian name, English name))."""
    kinds = dict(ASSET_KINDS)
    kinds.update({k.code: (k.geometry, k.agency.code, k.name_fa, k.name_en or k.code)
                  for k in AssetKind.objects.select_related("agency")})
    return kinds


class KindAlias(models.Model):
    """An agency's own name for an asset kind, as its files write it (e.g. «MV-OH» for mv_overhead): mapped on
    import. The common names are built in (vocabulary.KIND_ALIASES); an agency adds the rest here."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="kind_aliases")
    alias = models.CharField(max_length=64)
    kind = models.CharField(max_length=32)

    class Meta:
        verbose_name = _("asset kind alias")
        verbose_name_plural = _("asset kind aliases")
        constraints = [models.UniqueConstraint(fields=["agency", "alias"], name="one_meaning_per_alias")]

    def __str__(self):
        return f"{self.alias} → {self.kind}"


class VersionPin(models.Model):
    """A layer version another record points into (an incident's asset): the archive leaves it live, so that the
    record's foreign key keeps resolving. The map does not know who pins — an app pins and unpins through
    :func:`panjereh.citymap.services.pin_version` (crisis for its incidents); the archive reads only this table."""

    version = models.ForeignKey(LayerVersion, on_delete=models.CASCADE, related_name="pins")
    holder = models.CharField(max_length=80, help_text="who pins it, e.g. incident:42")
    pinned_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["version", "holder"], name="one_pin_per_holder")]

    def __str__(self):
        return f"{self.version_id} ← {self.holder}"
