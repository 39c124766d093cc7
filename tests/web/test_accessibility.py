"""Accessibility: axe-core (installed from npm by the set-up, injected from the local disk, no CDN) checks
every main page against WCAG 2.1 A and AA, in Persian and in English."""

from pathlib import Path

import pytest
from rest_framework.test import APIClient

from tests.permits.helpers import good_parcel, request_body

from .browser import SHOTS, login, wait_until

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
REVIEWERS = {"municipality": "reviewer.municipality", "water": "reviewer.water", "power": "reviewer.power"}


def api_as(username):
    from django.contrib.auth import get_user_model

    client = APIClient()
    client.force_authenticate(get_user_model().objects.get(username=username))
    return client


def audit(page, url, *, before=None):
    """axe's WCAG 2.1 A/AA violations on the page at ``url``, as readable lines."""
    page.goto(url)
    page.wait_for_load_state("networkidle")
    if page.locator("#map-config").count():
        wait_until(page, "document.body.dataset.mapReady === '1'")
    if before:
        page.evaluate(before)
    return audit_now(page, url)


def audit_now(page, url):
    """axe's violations on the page as it is now (after the user has done something on it)."""
    if not page.evaluate("typeof axe !== 'undefined'"):
        # evaluated through the browser's debugging protocol: the pages' Content-Security-Policy admits
        # only our own script files, and it stays on while the pages are checked
        page.evaluate(AXE.read_text())
    result = page.evaluate("axe.run(document, {runOnly: {type: 'tag', values: "
                           "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})")
    assert len(result["passes"]) > 10  # axe really ran its rules on this page
    return [f"{url}: {v['id']} ({v['impact']}): {v['help']} — " + "; ".join(n["target"][0] for n in v["nodes"][:3])
            for v in result["violations"]]


@pytest.mark.parametrize("language", ["fa", "en"])
def test_main_pages_pass_axe(live_server, live_city, browser, language):
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: scripts/setup.sh installs it from npm (npm ci)")
    # a file with a bill, so the file, bill and decide pages have everything on them
    parcel = good_parcel(None)
    app = api_as("operator1").post("/api/v1/applications/", request_body(parcel), format="json").json()
    for agency in ("municipality", "water"):
        api_as(REVIEWERS[agency]).post(f"/api/v1/applications/{app['id']}/reviews/{agency}/decision/",
                                       {"decision": "approve"}, format="json")
    base = live_server.url
    page = browser.new_page()
    page.context.add_cookies([{"name": "django_language", "value": language, "url": base}])
    # the check can fail: the login form without its labels is caught
    broken = audit(page, f"{base}/login/", before="document.querySelectorAll('label').forEach(l => l.remove())")
    assert any(": label (" in line for line in broken), broken
    problems = audit(page, f"{base}/login/") + audit(page, f"{base}/track/") + audit(page, f"{base}/map/")
    problems += audit(page, f"{base}/procedures/permits/new/") + audit(page, f"{base}/procedures/connections/power/")
    page.goto(f"{base}/track/")
    page.fill("#code", app["tracking_code"])
    page.fill("#mobile", "09161234567")
    page.click("form button[type=submit]")
    page.wait_for_selector("#status")
    problems += audit_now(page, f"{base}/track/ (a file found)")

    login(page, base, "reviewer.power")
    problems += audit(page, f"{base}/inbox/") + audit(page, f"{base}/files/{app['id']}/decide/")
    api_as("reviewer.power").post(f"/api/v1/applications/{app['id']}/reviews/power/decision/",
                                  {"decision": "approve"}, format="json")
    login(page, base, "operator1")
    problems += audit(page, f"{base}/") + audit(page, f"{base}/counter/?q={parcel.plate_main}/{parcel.plate_sub}")
    problems += audit(page, f"{base}/counter/parcels/{parcel.pk}/apply/")
    problems += audit(page, f"{base}/files/{app['id']}/") + audit(page, f"{base}/files/{app['id']}/bill/")
    problems += audit(page, f"{base}/map/?parcel={parcel.pk}")
    login(page, base, "gis.water")
    problems += audit(page, f"{base}/layers/water-mains/upload/")
    login(page, base, "reviewer.municipality")
    problems += audit(page, f"{base}/connections/") + audit(page, f"{base}/finance/")
    page.screenshot(path=str(SHOTS / f"finance-{language}.png"), full_page=True)
    assert problems == [], "\n".join(problems)


def test_map_panels_pass_axe_after_search_and_dig_check(live_server, live_city, browser):
    """The panels the map fills in (search results, attributes, dig-check tables, errors) are checked too."""
    from panjereh.citymap.models import Parcel

    base = live_server.url
    page = browser.new_page()
    login(page, base, "operator1")
    page.goto(f"{base}/map/")
    wait_until(page, "document.body.dataset.mapReady === '1'")
    parcel = Parcel.objects.order_by("id")[50]
    page.fill("#map-q", f"{parcel.plate_main}/{parcel.plate_sub}")
    page.click("#map-search button")
    page.wait_for_selector("#attributes-table")
    page.click("#tool-measure")
    box = page.locator("#map canvas").bounding_box()
    for dx in (0, 120):
        page.mouse.click(box["x"] + box["width"] / 2 + dx, box["y"] + box["height"] / 2)
    page.click("#tool-dig")
    for dx in (0, 120):
        page.mouse.click(box["x"] + box["width"] / 2 + dx, box["y"] + box["height"] / 2)
    page.click("#tool-finish")
    wait_until(page, "document.body.dataset.digDone")
    problems = audit_now(page, "map after search, measure and dig check")
    page.fill("#map-q", "نه پلاک")
    page.click("#map-search button")
    page.wait_for_selector("#search-result .error")
    problems += audit_now(page, "map with a search error")
    assert problems == [], "\n".join(problems)
