"""Issue 26 items 1–3 in Chromium, in Persian and English, with axe at 0 violations: the crisis room (an
incident reported by clicking the pipe on the map, or by typing an asset's id; what to close, who is cut off,
what lies around; notes, taking it in hand, closing), the findings desk (zoom, acknowledge, dismiss with a
reason) and the works desk (register works by picking a street or drawing on the map, pages and filters,
applying for the permit, recording progress, a moratorium and the Article 103 charge on the page).

Before: /crisis/, /findings/ and /works/new/ did not exist (404); /works/ was read-only and one page of 603
rows; every one of these actions was API-only."""

import datetime
import re

import pytest
import shapely
from django.utils import timezone

from panjereh.citymap import crs as crsmod
from panjereh.citymap.models import Feature
from panjereh.core.calendar import jalali, local_date
from panjereh.crisis.models import Finding, Incident
from panjereh.crisis.services import run_consistency
from panjereh.works import services as works_services
from panjereh.works.models import Moratorium, Works

from .browser import FA, SHOTS, login, wait_until
from .test_accessibility import audit, audit_now


def _open(browser, base, language, username):
    page = browser.new_page()
    page.context.add_cookies([{"name": "django_language", "value": language, "url": base}])
    login(page, base, username)
    return page


def _lonlat(geom_wkb, fraction=0.5):
    line = shapely.from_wkb(bytes(geom_wkb))
    point = line.interpolate(fraction, normalized=True) if line.geom_type.endswith("LineString") else line
    return crsmod.to_crs84(point).coords[0]


def _click_map(page, lon, lat):
    """Click the desk map where a lon/lat point is drawn."""
    x, y = page.evaluate(f"(() => {{ const p = window.panjerehDeskMap.project([{lon}, {lat}]); return [p.x, p.y]; }})()")
    box = page.locator("#desk-map canvas").bounding_box()
    page.mouse.click(box["x"] + x, box["y"] + y)


def _go_to(page, lon, lat, zoom=18):
    page.evaluate(f"panjerehDeskMap.jumpTo({{center: [{lon}, {lat}], zoom: {zoom}}})")
    wait_until(page, "panjerehDeskMap.loaded() && panjerehDeskMap.areTilesLoaded()")


@pytest.mark.parametrize("language", ["fa", "en"])
def test_the_crisis_room(live_server, live_city, browser, language):
    base = live_server.url
    page = _open(browser, base, language, "reviewer.water")
    problems = audit(page, f"{base}/crisis/")
    wait_until(page, "document.body.dataset.deskMapReady === '1'")
    # an empty report: the reason, in the reader's language, nothing recorded
    before = Incident.objects.count()
    page.click("#report-form button[type=submit]")
    page.wait_for_selector("#report-error")
    assert Incident.objects.count() == before
    if language == "fa":
        assert re.search("[\u0600-\u06ff]", page.inner_text("#report-error"))
    # the officer clicks the broken main on the map
    main = Feature.objects.current().filter(kind="water_main").order_by("id")[40]
    lon, lat = _lonlat(main.geom.wkb)
    _go_to(page, lon, lat)
    _click_map(page, lon, lat)
    wait_until(page, "document.body.dataset.picked !== undefined")
    assert page.input_value("#feature") == str(main.pk)
    page.select_option("#kind", "water_burst")
    page.click("#report-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/crisis/\d+/$"))
    incident = Incident.objects.order_by("-id").first()
    assert incident.feature_id == main.pk and incident.kind == "water_burst"
    wait_until(page, "document.body.dataset.deskMapReady === '1'")
    close = [v["ext_id"] for v in incident.response["isolation"]["close"]]
    assert close and page.locator("#close li").count() == len(close)
    stuck = {f["stuck_valve"]["ext_id"] for f in incident.response["isolation"]["if_stuck"]}
    assert stuck <= set(close)
    affected = incident.response["isolation"]["parcels_affected"]
    assert page.locator("#affected tr").count() == min(len(affected), 300) + 1
    around = page.inner_text("#around")
    assert "?" not in around
    depths = [a["depth_m"] for g in incident.response["around"]["agencies"] for a in g["assets"]]
    if any(d is None for d in depths):
        assert ("نامعلوم" if language == "fa" else "unknown") in around
    drawn = page.evaluate("panjerehDeskMap.querySourceFeatures('own').map(f => f.properties.role)")
    assert {"pipe", "valve", "parcel", "incident"} <= set(drawn)
    problems += audit_now(page, "an incident's page")
    page.screenshot(path=str(SHOTS / f"crisis-incident-{language}.png"), full_page=True)
    # the log, taking it in hand, closing with the time supply came back
    page.fill("#note-text", "گروه تعمیر در محل است")
    page.click("#note-form button")
    page.wait_for_selector("#notes li:has-text('گروه تعمیر')")
    page.click("#take-form button")
    page.wait_for_selector("#handled-by")
    assert Incident.objects.get(pk=incident.pk).handled_by.code == "water"
    page.click("#close-form button")
    page.wait_for_selector("#restored-at")
    incident.refresh_from_db()
    assert incident.status == "closed" and incident.restored_at is not None
    # the printed report in the reader's language: Persian digits and kinds' names, never a raw code
    page.goto(f"{base}/incidents/{incident.pk}/report/")
    text = page.inner_text("main")
    assert "gas_main" not in text and "water_main" not in text
    if language == "fa":
        assert str(incident.pk).translate(FA) in text
    # an asset typed by its id, not clicked
    gas = Feature.objects.current().filter(kind="gas_main").order_by("id")[25]
    page.goto(f"{base}/crisis/")
    page.fill("#asset", gas.ext_id)
    page.select_option("#kind", "gas_leak")
    page.click("#report-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/crisis/\d+/$"))
    assert Incident.objects.order_by("-id").first().feature_id == gas.pk
    page.goto(f"{base}/crisis/")
    assert page.locator(f"#open-incidents tr[data-incident='{Incident.objects.order_by('-id').first().pk}']").count()
    assert page.locator(f"#closed-incidents tr[data-incident='{incident.pk}']").count() == 1
    problems += audit_now(page, "the board")
    page.screenshot(path=str(SHOTS / f"crisis-board-{language}.png"), full_page=True)
    login(page, base, "operator1")  # a counter operator has no business here
    assert page.goto(f"{base}/crisis/").status == 403
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("language", ["fa", "en"])
def test_the_findings_desk(live_server, live_city, browser, language):
    run = run_consistency()
    base = live_server.url
    page = _open(browser, base, language, "reviewer.power")
    problems = audit(page, f"{base}/findings/")
    wait_until(page, "document.body.dataset.deskMapReady === '1'")
    mine = Finding.objects.filter(run=run, agency__code="power") | Finding.objects.filter(run=run,
                                                                                          other_agency__code="power")
    assert page.locator("#findings-table tr[data-finding]").count() == mine.count() > 0
    others = Finding.objects.filter(run=run).exclude(pk__in=mine.values("pk"))
    for other in others:
        assert page.locator(f"tr[data-finding='{other.pk}']").count() == 0
    rows = list(mine.order_by("check_name", "id"))
    first = rows[0]
    zoom = page.locator(f"tr[data-finding='{first.pk}'] [data-zoom]")
    if zoom.count():
        zoom.click()
        wait_until(page, "document.body.dataset.zoomedTo !== undefined")
    page.click(f"tr[data-finding='{first.pk}'] button[value=acknowledge]")
    page.wait_for_selector("#findings-table")
    assert Finding.objects.get(pk=first.pk).state == "acknowledged"
    if len(rows) > 1:
        second = rows[1]
        page.click(f"tr[data-finding='{second.pk}'] button[value=dismiss]")
        page.wait_for_selector("#finding-error")
        assert Finding.objects.get(pk=second.pk).state == "open"
        page.fill(f"#reason-{second.pk}", "دو شبکه در دو غلاف جدا از زیر تقاطع می‌گذرند")
        page.click(f"tr[data-finding='{second.pk}'] button[value=dismiss]")
        page.wait_for_selector("#findings-table")
        assert Finding.objects.get(pk=second.pk).state == "dismissed"
        page.goto(f"{base}/findings/?state=all")
        assert "غلاف" in page.inner_text(f"tr[data-finding='{second.pk}']")
    problems += audit_now(page, "findings after acting")
    page.screenshot(path=str(SHOTS / f"findings-{language}.png"), full_page=True)
    # the coordinator sees the city's, and may start a run from the desk
    login(page, base, "coordinator")
    page.goto(f"{base}/findings/?state=all")
    assert page.locator("#findings-table tr[data-finding]").count() == min(Finding.objects.filter(run=run).count(), 50)
    page.click("form[action='/findings/run/'] button")
    page.wait_for_selector("#run-facts")
    assert Finding.objects.filter(state="acknowledged", key=first.key).exclude(run=run).exists()
    login(page, base, "operator1")
    assert page.goto(f"{base}/findings/").status == 403
    assert problems == [], "\n".join(problems)


def _street_with_name():
    from tests.works.test_works import street

    for n in range(40):
        line, name = street(n)
        if works_services.street_line(name) is not None and not Moratorium.objects.filter(street=name).exists():
            return line, name
    raise AssertionError("no named street")


@pytest.mark.parametrize("language", ["fa", "en"])
def test_the_works_desk(live_server, live_city, browser, language, settings):
    settings.PANJEREH_WORKS_RULES = {"bans": []}  # dates relative to today, whatever the season
    base = live_server.url
    today = local_date(timezone.now())
    page = _open(browser, base, language, "gis.water")
    problems = audit(page, f"{base}/works/new/")
    wait_until(page, "document.body.dataset.deskMapReady === '1'")
    # picked from the streets, dates typed in Jalali with Persian digits
    line, name = _street_with_name()
    page.fill("#street", name)
    page.fill("#reference", f"W-PICK-{language}")
    page.fill("#start_date", jalali(today + datetime.timedelta(days=30)).translate(FA))
    page.fill("#end_date", jalali(today + datetime.timedelta(days=40)).translate(FA))
    page.click("#works-form button")
    page.wait_for_url(re.compile(r".*/works/\?period=all.*"))
    picked = Works.objects.get(reference=f"W-PICK-{language}")
    assert picked.agency.code == "water" and name in picked.streets
    assert page.locator(f"tr[data-works='{picked.pk}']").count() == 1
    assert page.locator("#messages").count() == 1
    # drawn on the map, click by click along another street
    from tests.works.test_works import street

    other, other_name = street(12)
    page.goto(f"{base}/works/new/")
    wait_until(page, "document.body.dataset.deskMapReady === '1'")
    a, b = (crsmod.to_crs84(other.offset_curve(3).interpolate(f, normalized=True)).coords[0] for f in (0.3, 0.6))
    _go_to(page, (a[0] + b[0]) / 2, (a[1] + b[1]) / 2, zoom=17)
    _click_map(page, *a)
    _click_map(page, *b)
    wait_until(page, "document.body.dataset.drawnPoints === '2'")
    page.fill("#reference", f"W-DRAW-{language}")
    page.fill("#start_date", (today + datetime.timedelta(days=50)).isoformat())
    page.fill("#end_date", (today + datetime.timedelta(days=55)).isoformat())
    page.click("#works-form button")
    page.wait_for_url(re.compile(r".*/works/\?period=all.*"))
    drawn = Works.objects.get(reference=f"W-DRAW-{language}")
    assert other_name in drawn.streets
    # a bad date: refused naming it, nothing written
    page.goto(f"{base}/works/new/")
    page.fill("#street", name)
    page.fill("#start_date", "۱۴۰۵/۱۳/۴۰")
    page.fill("#end_date", "۱۴۰۵/۰۱/۰۱")
    page.click("#works-form button")
    page.wait_for_selector("#works-error")
    assert ("۱۴۰۵/۱۳/۴۰" in page.inner_text("#works-error"))
    problems += audit_now(page, "works form with an error")
    page.screenshot(path=str(SHOTS / f"works-new-{language}.png"), full_page=True)
    # many works: pages, and the street filter
    gas_line, gas_street = street(20)
    from tests.works.test_works import data, trench

    gas = Works.objects.get(pk=works_services.register_works(actor=None, agency=_agency("gas"), data=data(
        trench(gas_line, 3), start_in=5, days=3, reference=f"G-0-{language}")).pk)
    for i in range(1, 60):
        works_services.register_works(actor=None, agency=_agency("gas"), data=data(
            trench(gas_line, 3), start_in=5 + 5 * i, days=3, reference=f"G-{i}-{language}"))
    page.goto(f"{base}/works/?period=all&agency=gas")
    assert page.locator("#works-table tr[data-works]").count() == 50
    page.click("a[rel=next]")
    assert page.locator("#works-table tr[data-works]").count() >= 10
    page.goto(f"{base}/works/?period=all&street={gas_street}")
    assert page.locator(f"tr[data-works='{gas.pk}']").count() == 1
    assert page.locator(f"tr[data-works='{picked.pk}']").count() == (1 if gas_street in picked.streets else 0)
    shown = {int(w) for w in page.eval_on_selector_all("#works-table tr[data-works]", "rows => rows.map(r => r.dataset.works)")}
    assert shown and all(gas_street in Works.objects.get(pk=w).streets for w in shown)
    # the water company applies for its permit on the page
    page.goto(f"{base}/works/?period=all&agency=water")
    page.click(f"tr[data-works='{picked.pk}'] .apply-permit button")
    page.wait_for_selector("#works-table")
    assert Works.objects.get(pk=picked.pk).status == "applied"
    # the municipality grants it; the water company records the works started
    works_services.decide_permit(actor=None, works=Works.objects.get(pk=picked.pk), decision="grant")
    page.goto(f"{base}/works/?period=all&agency=water")
    page.select_option(f"#step-{picked.pk}", "in_progress")
    page.click(f"tr[data-works='{picked.pk}'] .record-progress button")
    page.wait_for_selector("#works-table")
    assert Works.objects.get(pk=picked.pk).status == "in_progress"
    problems += audit_now(page, "works desk with actions")
    page.screenshot(path=str(SHOTS / f"works-desk-{language}.png"), full_page=True)
    # the municipality: a moratorium on a street, and the Article 103 charge
    login(page, base, "reviewer.municipality")
    page.goto(f"{base}/works/?period=all")
    page.fill("#m-street", gas_street)
    page.fill("#m-since", jalali(today).translate(FA))
    page.fill("#m-until", jalali(today + datetime.timedelta(days=3 * 365)).translate(FA))
    page.click("#moratorium-form button")
    page.wait_for_selector("#moratoria-table")
    assert Moratorium.objects.filter(street=gas_street, resurfacing__isnull=True).exists()
    page.click("#article103-form button")
    page.wait_for_selector("#messages")
    problems += audit_now(page, "works desk, municipality")
    assert problems == [], "\n".join(problems)


def _agency(code):
    from panjereh.agencies.models import Agency

    return Agency.objects.get(code=code)
