"""A city of the deployment. One deployment serves one city (SpatiaLite, the embedded default) or a province's
cities (PostGIS); see docs/architecture.md, "A province on one deployment"."""

from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class City(models.Model):
    """A city: its code (in URLs and commands), the letters its permit numbers start with, its names, and where
    it lies (centre and extent in lon/lat), from which the UTM zone its distances and areas are measured in."""

    code = models.SlugField(_("code"), max_length=32, unique=True,
                            help_text=_("the city's code in commands and addresses, e.g. ahvaz"))
    prefix = models.CharField(_("permit number prefix"), max_length=4, unique=True,
                              validators=[RegexValidator(r"^[A-Z]{2,4}$")],
                              help_text=_("two to four capital Latin letters that begin the city's permit numbers"))
    name_fa = models.CharField(_("name (Persian)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100, blank=True)
    centre_lon = models.FloatField(_("centre longitude"))
    centre_lat = models.FloatField(_("centre latitude"))
    west = models.FloatField()
    south = models.FloatField()
    east = models.FloatField()
    north = models.FloatField()
    srid = models.PositiveIntegerField(_("UTM zone (EPSG)"), help_text=_("the city's own UTM zone, from its centre"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("city")
        verbose_name_plural = _("cities")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(west__lt=models.F("east")) & Q(south__lt=models.F("north")),
                                   name="city_extent_not_empty"),
            models.CheckConstraint(condition=Q(centre_lon__gte=-180) & Q(centre_lon__lte=180)
                                   & Q(centre_lat__gte=-90) & Q(centre_lat__lte=90), name="city_centre_lon_lat"),
        ]

    def __str__(self):
        return self.name_fa

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        return (self.west, self.south, self.east, self.north)
