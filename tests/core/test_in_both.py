"""Issue 27 item 12: the answers stored in both languages (feasibility, zoning problems, an incident's problems)
are written from the catalogue — one mechanism — instead of Persian f-strings and {fa, en} dicts in the code."""

import pytest

from panjereh.citymap.services import _message
from panjereh.core.text import in_both
from panjereh.permits.zoning import planning_problems


def test_one_message_in_both_languages():
    both = _message("none", limit=300, service={"fa": "آب", "en": "Water"})
    assert both == {"code": "none", "fa": "آب: تا 300 متری هیچ شبکه فعالی نیست؛ توسعه شبکه لازم است",
                    "en": "Water: no active network within 300 m: network extension needed"}


@pytest.mark.django_db
def test_zoning_problems_come_from_the_catalogue(city):
    from panjereh.citymap.models import Parcel

    parcel = Parcel.objects.filter(land_use="residential").first()
    problems = planning_problems(parcel, land_use="residential", floors=parcel.max_floors + 2,
                                 gross_floor_area=parcel.area_m2 * 100)
    floors = next(p for p in problems if p["code"] == "floors")
    assert floors["fa"].startswith(f"{parcel.max_floors + 2} طبقه درخواستی") and "exceed" in floors["en"]
    density = next(p for p in problems if p["code"] == "density")
    assert "٪" in density["fa"] and "%" in density["en"] and "%%" not in density["en"]
    assert in_both("plain")["fa"] == "plain"  # a message the catalogue lacks is shown as written
