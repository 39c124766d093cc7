"""The services read with one plain statement are the ORM's own objects, field for field, and always current."""

import pytest
from django.forms.models import model_to_dict

from panjereh.agencies.models import Agency, Service
from panjereh.agencies.service_rows import services_with_agencies

pytestmark = pytest.mark.django_db


def _as_data(services):
    return [(type(s), model_to_dict(s), type(s.agency), model_to_dict(s.agency)) for s in services]


def test_the_same_services_as_the_orm_reads(city):
    # a service with a null, a float and a list, an agency with a boolean set: every converter has work to do
    Service.objects.filter(code="power").update(min_spare_kva=12.5, network_kinds=["lv_cable", "lv_overhead"])
    Agency.objects.filter(code="fire").update(silence_means_approval=True, review_min_floors=6)
    read = services_with_agencies()
    assert len(read) == Service.objects.count() > 3
    assert _as_data(read) == _as_data(Service.objects.select_related("agency"))
    power = next(s for s in read if s.code == "power")
    assert power.min_spare_kva == 12.5 and power.network_kinds == ["lv_cable", "lv_overhead"]
    assert power.agency.code == "power" and power.agency_id == power.agency.pk
    assert not power._state.adding  # a loaded row, as the ORM's: saving it updates, never inserts
    assert all(isinstance(a.silence_means_approval, bool) for a in (s.agency for s in read))


def test_a_change_is_read_at_once(city):
    services_with_agencies()  # the statement is planned once per process; the rows are read every time
    Service.objects.filter(code="water").update(service_distance_m=75.0)
    assert next(s for s in services_with_agencies() if s.code == "water").service_distance_m == 75.0
