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
    # the permit's fee is billed to the water company; the municipality records its transfer on the page
    from panjereh.billing.models import Bill

    bill = Bill.objects.get(payer__code="water", stage=f"excavation:{water.pk}")
    page.fill(f"#tr-{bill.pk}", f"TR-{language}-1")
    page.click(f"tr[data-bill='{bill.pk}'] button")
    page.wait_for_selector("#works-table")
    bill.refresh_from_db()
    assert bill.settled_at is not None and bill.paid == bill.total
    # an inspection: a text file named .png is refused by its content (nothing recorded), a real photo kept
    inspection = _inspection_due(language)
    page.goto(f"{base}/works/?period=all")
    page.check(f"tr[data-inspection='{inspection.pk}'] input[value=no]")
    page.fill(f"#def-{inspection.pk}", "نشست آسفالت")
    page.set_input_files(f"#photo-{inspection.pk}", files=[{"name": "not-a-photo.png", "mimeType": "image/png",
                                                           "buffer": b"plain text"}])
    page.click(f"tr[data-inspection='{inspection.pk}'] button")
    page.wait_for_selector("p.error[role=alert]")
    inspection.refresh_from_db()
    assert inspection.inspected_at is None
    page.check(f"tr[data-inspection='{inspection.pk}'] input[value=no]")
    page.fill(f"#def-{inspection.pk}", "نشست آسفالت")
    page.set_input_files(f"#photo-{inspection.pk}", files=[{"name": "defect.png", "mimeType": "image/png",
                                                           "buffer": _png()}])
    page.click(f"tr[data-inspection='{inspection.pk}'] button")
    page.wait_for_selector(f"tr[data-inspection='{inspection.pk}'] a")
    inspection.refresh_from_db()
    assert inspection.passed is False and inspection.photos.count() == 1
    problems += audit_now(page, "works page with bills and inspections")
    page.screenshot(path=str(SHOTS / f"works-bills-{language}.png"), full_page=True)
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
    wait_until(page, f"!document.body.dataset.worksIds.split(',').includes('{water.pk}')")
    assert str(gas.pk) not in page.evaluate("document.body.dataset.worksIds").split(",")
    wait_until(page, f"panjerehMap.areTilesLoaded() && !{drawn_refs}.includes('W-31')")
    # a counter operator has no business here
    login(page, base, "operator1")
    assert page.goto(f"{base}/works/").status == 403
    assert problems == [], "\n".join(problems)


def _png() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (16, 16), (90, 90, 90)).save(out, format="PNG")
    return out.getvalue()


def _inspection_due(language):
    """A completed works chosen for inspection (the sample of one works is that works)."""
    line, _ = street(33)
    works = services.register_works(actor=None, agency=Agency.objects.get(code="gas"),
                                    data={**data(trench(line, 2), start_in=0, days=0, works_class="immediate"),
                                          "reference": f"G-INS-{language}"})
    services.apply_for_permit(actor=None, works=works)
    services.decide_permit(actor=None, works=works, decision="grant")
    for step in ("in_progress", "completed"):
        works = services.record_progress(actor=None, works=works, status=step)
    return next(i for i in services.select_for_inspection(phase="completed", seed=1) if i.works_id == works.pk)
