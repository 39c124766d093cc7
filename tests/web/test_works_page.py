"""The street-works coordination page in Chromium: every agency's works on one map (drawn from the same data
as the table), the conflict between two agencies' works listed, the municipality granting a permit on the
page, the period filter; axe-core at 0 violations in Persian and English."""

import pytest

from panjereh.agencies.models import Agency
from panjereh.works import services
from panjereh.works.models import Works
from tests.works.test_works import data, street, trench

from .browser import SHOTS, login, wait_until
from .test_accessibility import AXE, audit, audit_now


@pytest.mark.parametrize("language", ["fa", "en"])
def test_the_coordination_page(live_server, live_city, browser, language, settings):
    assert AXE.exists()
    settings.PANJEREH_WORKS_RULES = {"bans": []}  # dates relative to today, whatever the season
    line, name = street(31)
    gas = services.register_works(actor=None, agency=Agency.objects.get(code="gas"),
                                  data=data(trench(line, 3), start_in=20, reference="G-31"))
    water = services.register_works(actor=None, agency=Agency.objects.get(code="water"),
                                    data=data(trench(line, -3), start_in=25, reference="W-31"))
    services.apply_for_permit(actor=None, works=water)
    base = live_server.url
    page = browser.new_page()
    page.context.add_cookies([{"name": "django_language", "value": language, "url": base}])
    login(page, base, "reviewer.municipality")
    problems = audit(page, f"{base}/works/?period=month")
    wait_until(page, "document.body.dataset.worksMapReady === '1'")
    drawn = page.evaluate("window.panjerehWorksMap.querySourceFeatures('works').map(f => f.id)")
    assert {gas.pk, water.pk} <= set(drawn)
    assert page.locator("#conflicts-table tr").count() == 2  # header + the gas/water conflict
    page.screenshot(path=str(SHOTS / f"works-{language}.png"), full_page=True)
    # the municipality grants the water company's permit on the page
    page.fill(f"#cond-{water.pk}", "ساعت ۸ تا ۱۶")
    page.click(f"tr[data-works='{water.pk}'] button[value=grant]")
    page.wait_for_selector("#works-table")
    assert Works.objects.get(pk=water.pk).status == "permitted"
    # today only: works that start in 20 days are not shown
    page.goto(f"{base}/works/?period=today")
    assert page.locator(f"tr[data-works='{water.pk}']").count() == 0
    # the same works on the shared map, for the period chosen there
    page.goto(f"{base}/map/")
    wait_until(page, "document.body.dataset.mapReady === '1'")
    page.check("#works-on")
    wait_until(page, "document.body.dataset.worksShown !== undefined")
    assert int(page.evaluate("document.body.dataset.worksShown")) >= 2
    drawn = page.evaluate("document.body.dataset.worksIds").split(",")
    assert {str(gas.pk), str(water.pk)} <= set(drawn)
    problems += audit_now(page, "map with the street works shown")
    # drawn from the works tiles: go to the street and read what the map drew there
    import shapely

    from panjereh.citymap import crs as crsmod

    middle = crsmod.to_crs84(shapely.from_wkb(bytes(gas.geom.wkb))).centroid
    page.evaluate(f"panjerehMap.jumpTo({{center: [{middle.x}, {middle.y}], zoom: 16}})")
    drawn_refs = ("[...new Set(panjerehMap.querySourceFeatures('works', {sourceLayer: 'works'})"
                  ".map(f => f.properties.reference))]")
    wait_until(page, f"panjerehMap.areTilesLoaded() && {drawn_refs}.includes('W-31')")
    assert {"G-31", "W-31"} <= set(page.evaluate(drawn_refs))
    page.screenshot(path=str(SHOTS / f"works-map-{language}.png"))
    page.select_option("#works-period", "today")
    wait_until(page, "document.body.dataset.worksShown === '0'")
    wait_until(page, f"panjerehMap.areTilesLoaded() && !{drawn_refs}.includes('W-31')")
    # a counter operator has no business here
    login(page, base, "operator1")
    assert page.goto(f"{base}/works/").status == 403
    assert problems == [], "\n".join(problems)
