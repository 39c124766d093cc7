"""Street search: the key forgives how a name is typed (Arabic or Persian letters and digits, a half-space or
a space, a tatweel), the stored names stay as written, and only the layers the reader may see are searched."""

import pytest

from panjereh.citymap.models import Feature, Layer
from panjereh.core.text import search_key

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("typed,stored", [("ايرنا", "ایرنا"), ("زیرک زاده", "زیرک‌زاده"), ("١٦ آذر", "۱۶ آذر"),
                                          ("16 آذر", "۱۶ آذر"), ("كـوي", "کوی"), ("  خیابان   ۵ ", "خیابان 5")])
def test_the_search_key_forgives_how_a_name_is_typed(typed, stored):
    assert search_key(typed) == search_key(stored)


def test_streets_found_by_name_with_segments_merged_and_names_as_written(client_for, city):
    streets = Layer.objects.get(code="streets")
    named = Feature.objects.filter(version=streets.current_version, attrs__name_fa="خیابان ۱۲")
    assert named.count() > 1
    r = client_for(None).get("/api/v1/streets/", {"q": "خيابان 12"})
    assert r.status_code == 200
    first = r.json()["features"][0]
    assert first["properties"] == {"name": "خیابان ۱۲", "layer": "streets", "segments": named.count()}
    assert first["geometry"]["type"] in ("LineString", "MultiLineString")
    # the stored names were not rewritten by the search
    assert Feature.objects.filter(version=streets.current_version, attrs__name_fa="خیابان ۱۲").count() == named.count()


def test_street_search_refuses_what_it_cannot_answer(client_for, city):
    short = client_for(None).get("/api/v1/streets/", {"q": "ـ"})
    assert short.status_code == 400 and "q" in short.json()["error"]["details"]
    assert client_for(None).get("/api/v1/streets/", {"q": "ن" * 101}).status_code == 400
    assert client_for(None).get("/api/v1/streets/", {"q": "ناکجاآباد"}).json()["features"] == []


def test_street_search_reads_only_layers_the_reader_may_see(client_for, city):
    streets = Layer.objects.get(code="streets")
    streets.visibility = "agency"
    streets.save(update_fields=["visibility"])
    assert client_for("reviewer.water").get("/api/v1/streets/", {"q": "خیابان ۱۲"}).json()["features"] == []
    assert client_for("gis.municipality").get("/api/v1/streets/", {"q": "خیابان ۱۲"}).json()["features"]
