"""State changes of the agencies' side of a province: a city added with its municipality, and the provincial
agencies that serve it."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from panjereh.agencies.codes import MUNICIPALITY
from panjereh.agencies.models import Agency, CounterOffice, RefusalReason
from panjereh.cities import services as cities
from panjereh.cities.models import City
from panjereh.core import audit


def add_city(*, actor, code: str, prefix: str, name_fa: str, name_en: str = "", centre: tuple[float, float],
             half_width: float = 0.1, served_by: list[str] = ()) -> City:
    """A city, ready for files in one transaction: its row (``cities.add_city``), its own municipality (kind
    municipality, the home municipality's published refusal reasons copied as its own to edit), a first counter
    office, and the provincial agencies named in ``served_by`` (their codes) serving it. An unknown agency code, or
    one of a city-bound kind, is refused and nothing is written."""
    agencies = list(Agency.objects.filter(code__in=served_by))
    unknown = sorted(set(served_by) - {a.code for a in agencies})
    if unknown:
        raise ValidationError({"served_by": _("No agency has the code: %(codes)s.") % {"codes": "، ".join(unknown)}})
    bound = sorted(a.code for a in agencies if a.kind == MUNICIPALITY)
    if bound:
        raise ValidationError({"served_by": _("A municipality serves its own city only: %(codes)s.")
                                            % {"codes": "، ".join(bound)}})
    with transaction.atomic():
        city = cities.add_city(actor=actor, code=code, prefix=prefix, name_fa=name_fa, name_en=name_en,
                               centre=centre, half_width=half_width)
        home = Agency.objects.filter(code=MUNICIPALITY).first()
        municipality = Agency.objects.create(
            code=f"{MUNICIPALITY}-{code}"[:32], kind=MUNICIPALITY, name_fa=f"شهرداری {city.name_fa}",
            name_en=f"Municipality of {name_en or code}", review_days=home.review_days if home else 15,
            colour=home.colour if home else "#5a5a5a")
        municipality.cities.add(city)
        if home is not None:
            RefusalReason.objects.bulk_create([
                RefusalReason(agency=municipality, number=r.number, text_fa=r.text_fa, text_en=r.text_en)
                for r in home.refusal_reasons.filter(active=True)])
        CounterOffice.objects.create(code=f"{code}-1"[:32], name_fa=f"دفتر پیشخوان ۱ {city.name_fa}",
                                     name_en=f"{name_en or code} counter office 1", city=city, region=1)
        for agency in agencies:
            agency.cities.add(city)
        audit.record(actor=actor, action="city.opened", obj=city,
                     data={"municipality": municipality.code, "served_by": sorted(a.code for a in agencies)})
    return city
