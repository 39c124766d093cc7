"""Issue 27 item 11: what a city changes is data, edited in the admin, with today's values as defaults from a
migration — the connection grades (power LV/MV, gas LP/MP), the agencies' map colours, the documents each permit
type needs. Before, the grades and the documents were settings and the colours code."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from panjereh.agencies.models import Agency, Service
from panjereh.citymap import tiles
from panjereh.citymap.models import Layer
from panjereh.citymap.services import _what_it_uses
from panjereh.permits import services
from panjereh.permits.models import DocumentRequirement
from tests.permits.helpers import good_parcel, request_body

pytestmark = pytest.mark.django_db


def test_the_migration_gives_todays_values(city):
    power, gas = Service.objects.get(code="power"), Service.objects.get(code="gas")
    assert power.lv_max_kw == 150 and power.mv_network_kinds == ["mv_cable", "mv_overhead"]
    assert gas.mp_from_meter_class == "G100" and gas.pressure_classes["mp"] == ["250psi", "mp"]
    assert Agency.objects.get(code="water").colour == "#1565c0"
    assert list(DocumentRequirement.objects.filter(permit_type="renovation").values_list("kind", flat=True)) == \
        ["ownership_deed", "national_card", "design_drawings"]


def test_a_city_edits_its_rules_in_the_admin_and_every_answer_follows(city):
    admin = Client()
    admin.force_login(get_user_model().objects.get(username="admin"))
    power = Service.objects.get(code="power")
    assert _what_it_uses(power, {"kw": 100})[2] == "lv"
    r = admin.get(f"/admin/agencies/service/{power.pk}/change/")
    assert r.status_code == 200 and "lv_max_kw" in r.content.decode()
    Service.objects.filter(pk=power.pk).update(lv_max_kw=80)
    assert _what_it_uses(Service.objects.get(pk=power.pk), {"kw": 100})[2] == "mv"

    Agency.objects.filter(code="water").update(colour="#00aaff")
    water_layer = Layer.objects.filter(agency__code="water").exclude(code__startswith="sewer").first()
    assert tiles.layer_colour(water_layer) == "#00aaff"

    DocumentRequirement.objects.create(permit_type="new", kind="soil_test", position=99)
    body = request_body(good_parcel(city))
    app = services.submit_application(actor=None, parcel=good_parcel(city), applicant=body["applicant"],
                                      permit={**body["permit"], "documents": []}, services=body["services"])
    assert "soil_test" in services.missing_documents(app)
