"""Issue 27 item 10: one tracking lookup and one limit for the page and the API. Before, the page counted its
own lookups and the API had a throttle of its own: a guesser had two budgets of 30 a minute."""

import pytest
from django.core.cache import cache
from django.test import Client


@pytest.mark.django_db
def test_the_page_and_the_api_share_one_budget_per_address():
    client = Client()
    cache.clear()
    try:
        for _ in range(30):
            client.post("/track/", {"code": "ABCDEFGHJK", "mobile": "09160000000"})
        api = client.post("/api/v1/track/ABCDEFGHJK/", {"mobile": "09160000000"}, content_type="application/json")
        assert api.status_code == 429
        assert api.json()["error"]["code"] == "throttled" and "دقیقه" in api.json()["error"]["message"]
    finally:
        cache.clear()
