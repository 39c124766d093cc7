"""The public indicators dashboard in Chromium: charts drawn from the tables' numbers, every chart with its
table, small cells marked as not published, axe-core at 0 violations in Persian and English."""

import pytest

from tests.indicators.test_measures import build_history

from .browser import SHOTS, wait_until
from .test_accessibility import AXE, audit


@pytest.mark.parametrize("language", ["fa", "en"])
def test_the_dashboard_draws_and_passes_axe(live_server, live_city, browser, client_for, language):
    assert AXE.exists()
    build_history(client_for, live_city)
    base = live_server.url
    page = browser.new_page()
    page.context.add_cookies([{"name": "django_language", "value": language, "url": base}])
    problems = audit(page, f"{base}/indicators/")
    wait_until(page, "document.body.dataset.chartsReady === '1'")
    # the water company's Mehr 1405: six decisions, published; power's two: not
    water = page.locator("#reviews-table tr[data-agency=water][data-month='1405-07']").inner_text()
    power = page.locator("#reviews-table tr[data-agency=power][data-month='1405-07']").inner_text()
    if language == "fa":
        assert "مهر ۱۴۰۵" in water and "۶" in water and "منتشر نمی‌شود" in power
    else:
        assert "Mehr 1405" in water and "not published" in power
    # each chart drew from data (Chart.js keeps its instances)
    drawn = page.evaluate("['chart-permits', 'chart-agencies', 'chart-distribution'].map("
                          "id => Chart.getChart(id).data.datasets[0].data.length)")
    assert all(n > 0 for n in drawn), drawn
    assert page.locator("#standard-ours td").count() == 4 and page.locator("#practices tr[data-practice]").count() == 16
    page.screenshot(path=str(SHOTS / f"indicators-{language}.png"), full_page=True)
    assert problems == [], "\n".join(problems)
