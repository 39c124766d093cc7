"""The shared map in Chromium: vector tiles drawn with WebGL, toggles by agency, parcel search, attributes on
click, distance measure, drawing a trench for the dig check, the reviewer's parcel map, and layer upload."""

import json
import math

import pytest
import shapely

from panjereh.citymap import crs as crsmod
from panjereh.citymap.models import Feature, Layer, Parcel
from panjereh.citymap.services import dig_check, parse_dig_area

from .browser import FA, SHOTS, login, wait_until


def wait_idle(page):
    """Until the map has loaded and drawn every tile it asked for."""
    wait_until(page, "document.body.dataset.mapReady === '1'")
    wait_until(page, "window.panjerehMap.loaded() && window.panjerehMap.areTilesLoaded()")


def lonlat(geom):
    return crsmod.to_crs84(shapely.from_wkb(bytes(geom.wkb)))


def click_lonlat(page, lon, lat):
    """Click the map canvas where a lon/lat point is drawn."""
    x, y = page.evaluate(f"(() => {{ const p = window.panjerehMap.project([{lon}, {lat}]); return [p.x, p.y]; }})()")
    box = page.locator("#map canvas").bounding_box()
    page.mouse.click(box["x"] + x, box["y"] + y)


def test_map_draws_tiles_searches_and_shows_attributes(live_server, live_city, browser):
    base = live_server.url
    page = browser.new_page()
    login(page, base, "operator1")
    page.goto(f"{base}/map/")
    wait_idle(page)
    # one group of toggles per agency, every layer this user may see
    visible = set(Layer.objects.exclude(visibility="agency").values_list("code", flat=True))
    listed = set(page.eval_on_selector_all("#layer-toggles input[data-layer]", "els => els.map(e => e.dataset.layer)"))
    assert listed == visible
    assert page.locator("#layer-toggles fieldset").count() == 5

    # search a plate in Persian digits: the map goes there and the parcel's attributes show
    parcel = Parcel.objects.order_by("id")[100]
    page.fill("#map-q", f"{parcel.plate_main}/{parcel.plate_sub}".translate(FA))
    page.click("#map-search button")
    page.wait_for_selector("#attributes-table")
    assert str(parcel.postal_code) in page.inner_text("#attributes-table").translate(
        str.maketrans("۰۱۲۳۴۵۶۷۸۹", "0123456789"))
    assert page.get_attribute("#open-file", "href") == f"/counter/parcels/{parcel.pk}/apply/"
    assert "کد پستی" in page.inner_text("#attributes-table")  # attribute names in Persian
    # values too (issue 25 item 11: "residential", "parcels" and 90795510 on a Persian page)
    shown = page.inner_text("#attributes-table")
    assert "residential" not in shown and "parcels" not in shown
    from django.utils import translation

    with translation.override("fa"):
        assert str(parcel.get_land_use_display()) in shown
    assert f"{parcel.regional_value:,}".replace(",", "٬").translate(FA) in shown
    wait_idle(page)
    # the parcel tiles were decoded and drawn: the rendered features hold the searched parcel
    drawn = page.evaluate("window.panjerehMap.queryRenderedFeatures({layers: ['parcels-fill']}).map(f => f.id)")
    assert parcel.pk in drawn
    page.screenshot(path=str(SHOTS / "map-search.png"))

    # a street by its name, typed with Arabic letters and digits: the name comes back as the agency wrote it
    page.fill("#map-q", "خيابان ١٢")
    page.click("#map-search button")
    page.wait_for_selector("#search-list a[data-layer=streets]")
    assert page.inner_text("#search-list a >> nth=0") == "خیابان ۱۲"  # as the municipality wrote it
    wait_until(page, "document.querySelector('#attributes-table') && "
                     "document.querySelector('#attributes-table').innerText.includes('خیابان ۱۲')")
    # the street's name is drawn along it, shaped right to left by the RTL text plugin, in the page's font
    wait_until(page, "maplibregl.getRTLTextPluginStatus() === 'loaded'")
    page.evaluate("window.panjerehMap.setZoom(17.5)")
    wait_until(page, "window.panjerehMap.areTilesLoaded() && window.panjerehMap.queryRenderedFeatures("
                     "{layers: ['streets-label']}).some(f => f.properties.name === 'خیابان ۱۲')")
    page.screenshot(path=str(SHOTS / "map-street-names.png"))
    # a search that is nothing known is named, and the map stays where it is
    centre = page.evaluate("window.panjerehMap.getCenter().toArray()")
    page.fill("#map-q", "ناکجاآباد")
    page.click("#map-search button")
    page.wait_for_selector("#search-result .error")
    assert "ناکجاآباد" in page.inner_text("#search-result") and "کد پستی" in page.inner_text("#search-result")
    assert page.evaluate("window.panjerehMap.getCenter().toArray()") == centre
    page.fill("#map-q", "۹۹۹۹۹/۹۹")
    page.click("#map-search button")
    page.wait_for_selector("#search-result p:not(.error)")
    assert "چیزی پیدا نشد" in page.inner_text("#search-result")

    # an asset id, typed in lower case: the valve is found, the map goes there, its attributes show
    valve = Feature.objects.current().filter(layer__code="water-nodes", kind="valve").order_by("id")[3]
    page.fill("#map-q", valve.ext_id.lower())
    page.click("#map-search button")
    page.wait_for_selector(f"#search-list a[data-id='{valve.pk}']")
    page.wait_for_selector("#attributes-table")
    assert valve.ext_id in page.inner_text("#attributes-table")
    assert "شیر" in page.inner_text("#attributes-table") and "valve" not in page.inner_text("#attributes-table")
    assert "water-nodes" not in page.inner_text("#attributes-table")  # the layer by its name
    wait_idle(page)
    centre = shapely.Point(page.evaluate("window.panjerehMap.getCenter().toArray()"))
    assert centre.distance(lonlat(valve.geom)) < 0.0005

    # clicking another parcel shows its attributes from the OGC API
    page.fill("#map-q", f"{parcel.plate_main}/{parcel.plate_sub}")
    page.click("#map-search button")
    page.wait_for_selector(f"#search-list a[data-id='{parcel.pk}']")
    wait_idle(page)
    other = Parcel.objects.exclude(pk=parcel.pk).filter(pk__in=drawn).order_by("id").first()
    inside = lonlat(other.geom).representative_point()
    page.evaluate("document.getElementById('attributes-body').replaceChildren()")
    click_lonlat(page, inside.x, inside.y)
    page.wait_for_selector("#attributes-table")
    assert page.get_attribute("#open-file", "href") == f"/counter/parcels/{other.pk}/apply/"

    # a toggle hides a layer; the agency's box switches its whole group
    page.uncheck("#layer-parcels")
    assert page.evaluate("window.panjerehMap.getLayoutProperty('parcels-fill', 'visibility')") == "none"
    page.uncheck("#agency-water")
    for code in ("water-mains", "water-nodes", "sewer-lines", "sewer-nodes"):
        assert not page.is_checked(f"#layer-{code}")
        assert page.evaluate(f"(() => {{ const m = window.panjerehMap; const id = m.getLayer('{code}-line') ? "
                             f"'{code}-line' : '{code}-point'; return m.getLayoutProperty(id, 'visibility'); }})()") \
            == "none"


def test_measure_and_dig_check_from_a_drawn_trench(live_server, live_city, browser):
    base = live_server.url
    page = browser.new_page()
    login(page, base, "reviewer.gas")
    # a trench across a water main, in a street: two points either side of the main
    main = Feature.objects.current().filter(layer__code="water-mains").order_by("id")[5]
    line = lonlat(main.geom)
    mid = line.interpolate(0.5, normalized=True)
    a, b = line.interpolate(0.45, normalized=True), line.interpolate(0.55, normalized=True)
    dx, dy = b.y - a.y, -(b.x - a.x)  # perpendicular to the main
    scale = 8 / (math.hypot(dx, dy) * 111_000)  # about 8 m either side
    start = (mid.x - dx * scale, mid.y - dy * scale)
    end = (mid.x + dx * scale, mid.y + dy * scale)
    page.goto(f"{base}/map/")
    wait_until(page, "document.body.dataset.mapReady === '1'")
    page.evaluate(f"window.panjerehMap.jumpTo({{center: [{mid.x}, {mid.y}], zoom: 18}})")
    wait_idle(page)

    # measure: two clicks, the distance in Persian digits, equal to the projected length within 0.5 %
    page.click("#tool-measure")
    click_lonlat(page, *start)
    click_lonlat(page, *end)
    page.wait_for_selector("#measure-result[data-metres]")
    shown = float(page.get_attribute("#measure-result", "data-metres"))
    clicked = page.evaluate("window.panjerehSketch()")
    truth = crsmod.to_storage(shapely.LineString(clicked), "OGC:CRS84").length
    assert abs(shown - truth) / truth < 0.005
    assert any(ch in page.inner_text("#measure-result") for ch in "۰۱۲۳۴۵۶۷۸۹")

    # dig: the same two points, a 3 m buffer typed in Persian digits
    page.click("#tool-dig")
    page.fill("#dig-buffer", "۳")
    click_lonlat(page, *start)
    click_lonlat(page, *end)
    page.click("#tool-finish")
    wait_until(page, "document.body.dataset.digDone")
    trench = {"type": "LineString", "coordinates": page.evaluate("window.panjerehSketch()")}
    expected = dig_check(parse_dig_area(trench, 3), user=_user("reviewer.gas"))
    assert int(page.get_attribute("#dig-total", "data-total")) == expected["total"] > 0
    water = next(g for g in expected["agencies"] if g["agency"] == "water")
    assert any(a["id"] == main.pk for a in water["assets"])
    assert page.locator("#dig-body table[data-agency=water] tr").count() == len(water["assets"])
    page.screenshot(path=str(SHOTS / "map-dig-check.png"))

    # a bad buffer is named, nothing else happens
    page.fill("#dig-buffer", "بسیار")
    page.evaluate("delete document.body.dataset.digDone")
    page.click("#tool-finish")
    wait_until(page, "document.body.dataset.digDone")
    assert "buffer_m" in page.inner_text("#dig-errors")


def _user(username):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username=username)


def test_agency_layers_stay_hidden_from_other_agencies_on_the_map(live_server, live_city, browser):
    Layer.objects.filter(code="gas-mains").update(visibility="agency")
    try:
        base = live_server.url
        page = browser.new_page()
        login(page, base, "reviewer.water")
        page.goto(f"{base}/map/")
        wait_until(page, "document.body.dataset.mapReady === '1'")
        assert page.locator("#layer-gas-mains").count() == 0
        config = json.loads(page.inner_text("#map-config"))
        assert "gas-mains" not in json.dumps(config)
        # the water reviewer's own network starts switched on, the others off
        assert page.is_checked("#layer-water-mains") and not page.is_checked("#layer-power-cables")
        # the tile and the attributes refuse it too, with this page's session
        assert page.request.get(f"{base}/tiles/gas-mains/15/0/0.mvt").status == 404
        gas = Feature.objects.current().filter(layer__code="gas-mains").first()
        assert page.request.get(f"{base}/ogc/collections/gas-mains/items/{gas.pk}?f=json").status == 404
    finally:
        Layer.objects.filter(code="gas-mains").update(visibility="staff")


def test_anonymous_map_shows_public_layers_only(live_server, live_city, browser):
    page = browser.new_page()
    page.goto(f"{live_server.url}/map/")
    wait_until(page, "document.body.dataset.mapReady === '1'")
    listed = set(page.eval_on_selector_all("#layer-toggles input[data-layer]", "els => els.map(e => e.dataset.layer)"))
    assert listed == set(Layer.objects.filter(visibility="public").values_list("code", flat=True)) == {"streets"}
    assert page.is_visible("#tool-measure") and not page.is_visible("#tool-dig")
    # B-READY 5 by a click: the visitor clicks inside a parcel they cannot see and is offered its pre-check
    parcel = Parcel.objects.order_by("id")[50]
    point = lonlat(parcel.geom.point_on_surface)
    page.evaluate(f"window.panjerehMap.jumpTo({{center: [{point.x}, {point.y}], zoom: 17}})")
    wait_idle(page)
    click_lonlat(page, point.x, point.y)
    page.wait_for_selector("#precheck-here:not([hidden])")
    page.click("#precheck-here")
    page.wait_for_url(f"**/precheck/?parcel={parcel.pk}")
    assert page.locator("#precheck-form, form").count() >= 1
    assert page.goto(f"{live_server.url}/map/?parcel=1").status == 403


def test_reviewer_sees_the_parcel_with_the_agency_network(live_server, live_city, browser):
    parcel = Parcel.objects.order_by("id")[200]
    base = live_server.url
    page = browser.new_page()
    login(page, base, "reviewer.power")
    page.goto(f"{base}/map/?parcel={parcel.pk}&embed=1")
    wait_idle(page)
    assert page.locator("header").count() == 0
    page.wait_for_selector("#attributes-table")
    assert page.is_checked("#layer-power-cables") and not page.is_checked("#layer-water-mains")
    rendered = page.evaluate("window.panjerehMap.queryRenderedFeatures({layers: ['power-cables-line']}).length")
    assert rendered > 0
    centre = page.evaluate("window.panjerehMap.getCenter().toArray()")
    assert lonlat(parcel.geom).buffer(0.001).contains(shapely.Point(centre))
    # framed by our own pages only (the decide page embeds it); any other site gets a refusal
    response = page.request.get(f"{base}/map/?parcel={parcel.pk}&embed=1")
    assert response.headers["x-frame-options"] == "SAMEORIGIN"
    assert page.request.get(f"{base}/inbox/").headers["x-frame-options"] == "DENY"


@pytest.mark.parametrize("good", [True, False])
def test_layer_upload_page_shows_progress_and_lists_errors(live_server, live_city, browser, tmp_path, good):
    layer = Layer.objects.get(code="telecom-nodes")
    before = layer.current_version.number
    features = []
    for i, f in enumerate(Feature.objects.current().filter(layer=layer).order_by("id")[:40]):
        g = json.loads(shapely.to_geojson(lonlat(f.geom)))
        props = {"ext_id": f"T-{i}", "kind": "telecom_cabinet", "status": "active"}
        if not good and i in (1, 3):
            props["kind"] = "water_main"  # not a kind this layer takes
        features.append({"type": "Feature", "geometry": g, "properties": props})
    path = tmp_path / "cabinets.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))

    base = live_server.url
    page = browser.new_page()
    login(page, base, "gis.telecom")
    page.goto(f"{base}/")
    page.click("a[href='/layers/telecom-nodes/upload/']")
    assert page.input_value("#base_version") == str(before).translate(FA)  # shown as a clerk types it
    page.set_input_files("#file", str(path))
    page.fill("#base_version", str(before).translate(FA))
    page.click("#upload button[type=submit]")
    page.wait_for_selector("#upload-ok, #upload-errors")
    layer.refresh_from_db()
    if good:
        assert page.locator("#upload-ok").count() == 1, page.inner_text("#upload-result")
        assert layer.current_version.number == before + 1 and layer.current_version.feature_count == len(features) > 3
        assert page.get_attribute("#progress", "value") == "100"
        page.screenshot(path=str(SHOTS / "layer-upload.png"), full_page=True)
        # and back: the previous version made current again from the same page
        page.reload()
        page.click(f"button.rollback[data-version='{before}']")
        page.wait_for_selector(f"button.rollback[data-version='{before + 1}']")
        layer.refresh_from_db()
        assert layer.current_version.number == before
    else:
        errors = page.inner_text("#upload-errors")
        assert layer.current_version.number == before  # nothing changed
        assert errors.count("water_main") == 2 and page.locator("#upload-errors li").count() == 2
        page.screenshot(path=str(SHOTS / "layer-upload-errors.png"), full_page=True)


def test_layer_upload_page_is_for_the_owning_agencys_gis_staff(live_server, live_city, browser):
    base = live_server.url
    page = browser.new_page()
    login(page, base, "gis.water")
    assert page.goto(f"{base}/layers/telecom-nodes/upload/").status == 403
    assert page.locator("a[href='/layers/telecom-nodes/upload/']").count() == 0
    assert page.goto(f"{base}/layers/water-mains/upload/").status == 200
    assert page.goto(f"{base}/layers/no-such-layer/upload/").status == 404

