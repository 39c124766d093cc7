/* The shared city map. Every layer is drawn from Panjereh's own vector tiles; attributes come from the OGC
 * API, parcel search and the dig check from the REST API, all with the signed-in user's session, so the
 * server's permission module decides what this page can show. No outside requests: the map library is
 * served by Panjereh (installed from npm) and there is no base map from the internet. */
(function () {
  "use strict";
  const cfg = JSON.parse(document.getElementById("map-config").textContent);
  const W = cfg.words;
  const FA = cfg.language !== "en";
  const origin = window.location.origin;
  const { toLatin, show, number } = window.panjerehDigits;  // digits.js
  const el = (tag, attrs, ...children) => {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([k, v]) => (k === "text" ? (node.textContent = v) : node.setAttribute(k, v)));
    children.forEach((c) => node.append(c));
    return node;
  };
  const csrf = () => (document.cookie.split("; ").find((c) => c.startsWith("csrftoken=")) || "=").split("=")[1];

  // --- the map -----------------------------------------------------------------------------------------
  const layerIds = {};  // layer code -> the style layers drawing it
  const style = { version: 8, sources: {}, layers: [{ id: "background", type: "background",
                                                       paint: { "background-color": "#eef0e8" } }] };
  cfg.groups.forEach((group) => group.layers.forEach((layer) => {
    const src = "src-" + layer.code;
    style.sources[src] = { type: "vector", minzoom: layer.minzoom, maxzoom: 16,
                           tiles: [`${origin}/tiles/${layer.code}/{z}/{x}/{y}.mvt?v=${layer.version}`] };
    const base = { source: src, "source-layer": layer.code, layout: { visibility: layer.on ? "visible" : "none" } };
    const ids = [];
    if (layer.geometry.endsWith("Polygon")) {
      style.layers.push({ ...base, id: layer.code + "-fill", type: "fill",
                          paint: { "fill-color": layer.colour, "fill-opacity": 0.08 } });
      style.layers.push({ ...base, id: layer.code + "-line", type: "line",
                          paint: { "line-color": layer.colour, "line-width": 0.8 } });
      ids.push(layer.code + "-fill", layer.code + "-line");
    } else if (layer.geometry.endsWith("LineString")) {
      style.layers.push({ ...base, id: layer.code + "-line", type: "line",
                          paint: { "line-color": layer.colour, "line-width": layer.kind === "generic" ? 5 : 2,
                                   "line-opacity": layer.kind === "generic" ? 0.35 : 0.9 } });
      ids.push(layer.code + "-line");
      if (layer.labelled) {  // street names along the line, in the font the page uses
        style.layers.push({ ...base, id: layer.code + "-label", type: "symbol", minzoom: 16,
                            layout: { ...base.layout, "symbol-placement": "line", "text-field": ["get", "name"],
                                      "text-font": ["Vazirmatn"], "text-size": 13, "text-max-angle": 30 },
                            paint: { "text-color": "#333", "text-halo-color": "#fff", "text-halo-width": 1.5 } });
        ids.push(layer.code + "-label");
      }
    } else {
      style.layers.push({ ...base, id: layer.code + "-point", type: "circle",
                          paint: { "circle-color": layer.colour, "circle-radius": 4,
                                   "circle-stroke-color": "#fff", "circle-stroke-width": 1 } });
      ids.push(layer.code + "-point");
    }
    layerIds[layer.code] = ids;
  }));
  const empty = { type: "FeatureCollection", features: [] };
  // Street works (staff only): Panjereh's works tiles of the period chosen, coloured by status.
  const worksTiles = (period) => `${origin}/tiles/works/{z}/{x}/{y}.mvt?period=${encodeURIComponent(period)}`;
  if (cfg.works) {
    const colour = ["match", ["get", "status"], ...Object.entries(cfg.works.colours).flat(), "#444"];
    style.sources.works = { type: "vector", minzoom: 11, maxzoom: 16, tiles: [worksTiles("all")] };
    const base = { source: "works", "source-layer": "works", layout: { visibility: "none" } };
    style.layers.push({ ...base, id: "works-fill", type: "fill", filter: ["==", ["geometry-type"], "Polygon"],
                        paint: { "fill-color": colour, "fill-opacity": 0.3 } });
    style.layers.push({ ...base, id: "works-line", type: "line",
                        paint: { "line-color": colour, "line-width": 6, "line-opacity": 0.85 } });
  }
  style.sources.focus = { type: "geojson", data: empty };
  style.sources.sketch = { type: "geojson", data: empty };
  style.layers.push({ id: "focus-line", type: "line", source: "focus", paint: { "line-color": "#f9a825", "line-width": 4 } });
  style.layers.push({ id: "sketch-line", type: "line", source: "sketch", filter: ["==", ["geometry-type"], "LineString"],
                      paint: { "line-color": "#000", "line-width": 3, "line-dasharray": [2, 1] } });
  style.layers.push({ id: "sketch-point", type: "circle", source: "sketch", filter: ["==", ["geometry-type"], "Point"],
                      paint: { "circle-color": "#fff", "circle-radius": 5, "circle-stroke-color": "#000",
                               "circle-stroke-width": 2 } });

  // Persian and Arabic labels need shaping (joined letters) and right-to-left order: Mapbox's RTL text plugin,
  // served by Panjereh from npm. With no "glyphs" URL in the style, MapLibre draws the labels itself from the
  // page's own web font (Vazirmatn), so no glyph files and no outside requests are needed.
  if (maplibregl.getRTLTextPluginStatus() === "unavailable") {
    maplibregl.setRTLTextPlugin(cfg.rtl_plugin, true).catch(() => {});
  }
  const map = new maplibregl.Map({ container: "map", style, bounds: cfg.extent, fitBoundsOptions: { padding: 20 },
                                   maxZoom: 21, attributionControl: false, doubleClickZoom: false });
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }), "top-left");
  const scale = new maplibregl.ScaleControl({ unit: "metric" });
  map.addControl(scale, "bottom-left");
  // the scale bar reads "۲۰ متر", not "m 20": the unit in the reader's language after the number, in its digits
  const scaleBox = scale._container;
  if (scaleBox) {
    const localise = () => {
      const m = /^([\d.,]+)\s*(km|m)$/.exec(scaleBox.textContent.trim());
      const next = m ? `${show(m[1])} ${m[2] === "km" ? W.km : W.metres}` : null;
      if (next && next !== scaleBox.textContent) scaleBox.textContent = next;
    };
    new MutationObserver(localise).observe(scaleBox, { childList: true, characterData: true, subtree: true });
    localise();
  }
  window.panjerehMap = map;  // for the browser tests and for staff scripting in the console

  // --- layer toggles, by agency ----------------------------------------------------------------------------
  const setVisible = (code, on) => layerIds[code].forEach((id) => map.setLayoutProperty(id, "visibility", on ? "visible" : "none"));
  const toggles = document.getElementById("layer-toggles");
  cfg.groups.forEach((group) => {
    const fs = el("fieldset", { "data-agency": group.agency });
    const all = el("input", { type: "checkbox", id: "agency-" + group.agency });
    fs.append(el("legend", {}, el("label", { for: all.id }, all, " " + group.name)));
    const boxes = group.layers.map((layer) => {
      const box = el("input", { type: "checkbox", id: "layer-" + layer.code, "data-layer": layer.code });
      box.checked = layer.on;
      box.addEventListener("change", () => { setVisible(layer.code, box.checked); sync(); });
      const label = el("label", { for: box.id }, box, " ", el("span", { class: "swatch", style: `background:${layer.colour}` }),
                       " " + layer.name + (layer.minzoom > 0 ? ` (${W.zoom_in_for} ${show(layer.minzoom)})` : ""));
      fs.append(el("div", {}, label));
      return box;
    });
    const sync = () => { all.checked = boxes.every((b) => b.checked); all.indeterminate = !all.checked && boxes.some((b) => b.checked); };
    all.addEventListener("change", () => boxes.forEach((b) => { b.checked = all.checked; setVisible(b.dataset.layer, all.checked); }));
    sync();
    toggles.append(fs);
  });

  // --- attributes on click ---------------------------------------------------------------------------------
  const attributes = document.getElementById("attributes");
  const attributesBody = document.getElementById("attributes-body");
  function showAttributes(code, feature) {
    const table = el("table", { id: "attributes-table" });
    const label = (k) => cfg.attribute_names[k] || k;  // the agency's own attribute names stay as they are
    // coded values (land use, kind, status, agency) in the reader's language; numbers with separators
    // (identifiers, plates, years and regions are numbers too, but read without thousands separators)
    const plain = /plate|district|^region$|year|postal|^id$|_id$/;
    const value = (k, v) => (typeof v === "string" && cfg.value_names[v])
      || (typeof v === "number" && !plain.test(k) ? number(v) : show(v));
    table.append(el("tr", {}, el("th", { text: label("layer") }), el("td", { text: cfg.layer_names[code] || code })));
    Object.entries(feature.properties || {}).forEach(([k, v]) => {
      if (v === null || v === "" || typeof v === "object" || k === "layer") return;
      table.append(el("tr", {}, el("th", { text: label(k), "data-key": k }),
                   el("td", { text: k === "ext_id" ? String(v) : value(k, v) })));  // asset ids stay as the agency writes them
    });
    attributesBody.replaceChildren(table);
    if (code === "parcels" && cfg.can_submit) {
      attributesBody.append(el("p", {}, el("a", { href: `/counter/parcels/${feature.id}/apply/`, id: "open-file", text: W.open_file })));
    }
    attributes.hidden = false;
    attributes.scrollIntoView({ block: "nearest" });
  }
  async function fetchAttributes(code, id) {
    const r = await fetch(`/ogc/collections/${encodeURIComponent(code)}/items/${id}?f=json`, { headers: { Accept: "application/geo+json" } });
    if (!r.ok) { attributesBody.replaceChildren(el("p", { class: "error", text: `${W.error}: ${r.status}` })); attributes.hidden = false; return; }
    showAttributes(code, await r.json());
  }
  const drawn = () => Object.entries(layerIds).flatMap(([, ids]) => ids).filter((id) => map.getLayoutProperty(id, "visibility") !== "none");

  // --- tools: measure, dig ----------------------------------------------------------------------------------
  let tool = null;
  let points = [];
  const help = document.getElementById("tool-help");
  const measureResult = document.getElementById("measure-result");
  const finish = document.getElementById("tool-finish");
  const buttons = { measure: document.getElementById("tool-measure"), dig: document.getElementById("tool-dig") };
  function setTool(name) {
    tool = tool === name ? null : name;
    points = [];
    drawSketch();
    Object.entries(buttons).forEach(([k, b]) => b.setAttribute("aria-pressed", String(k === tool)));
    help.textContent = tool === "measure" ? W.map_help_measure : tool === "dig" ? W.map_help_dig : "";
    finish.hidden = tool !== "dig";
    map.getCanvas().style.cursor = tool ? "crosshair" : "";
  }
  // The dig check is for signed-in staff (the API says so too); a visitor gets the map and the ruler.
  if (!cfg.signed_in) buttons.dig.parentElement.hidden = true;
  buttons.measure.addEventListener("click", () => setTool("measure"));
  buttons.dig.addEventListener("click", () => setTool("dig"));
  document.getElementById("tool-clear").addEventListener("click", () => {
    points = []; drawSketch(); measureResult.textContent = "";
    document.getElementById("dig-result").hidden = true;
    map.getSource("focus").setData(empty);
  });

  // Great-circle length on the WGS 84 mean radius: within 0.1 % of the projected length at Ahvaz's scale.
  function haversine(a, b) {
    const R = 6371008.8, rad = Math.PI / 180;
    const dLat = (b[1] - a[1]) * rad, dLon = (b[0] - a[0]) * rad;
    const h = Math.sin(dLat / 2) ** 2 + Math.cos(a[1] * rad) * Math.cos(b[1] * rad) * Math.sin(dLon / 2) ** 2;
    return 2 * R * Math.asin(Math.sqrt(h));
  }
  function pathLength(pts) { let d = 0; for (let i = 1; i < pts.length; i++) d += haversine(pts[i - 1], pts[i]); return d; }
  function drawSketch() {
    const features = points.map((p) => ({ type: "Feature", geometry: { type: "Point", coordinates: p }, properties: {} }));
    if (points.length > 1) features.push({ type: "Feature", geometry: { type: "LineString", coordinates: points }, properties: {} });
    if (map.getSource("sketch")) map.getSource("sketch").setData({ type: "FeatureCollection", features });
  }
  function addPoint(lngLat) {
    points.push([lngLat.lng, lngLat.lat]);
    drawSketch();
    if (tool === "measure" && points.length > 1) {
      const metres = pathLength(points);
      measureResult.textContent = `${W.distance_m}: ${show(metres.toFixed(1))} ${W.metre}`;
      measureResult.dataset.metres = metres.toFixed(3);
    }
  }
  /** Ask the server what lies within the buffer of the drawn trench, grouped by owning agency. */
  async function digCheck() {
    if (!points.length) return;
    const buffer = parseFloat(toLatin(document.getElementById("dig-buffer").value));
    const geometry = points.length === 1 ? { type: "Point", coordinates: points[0] } : { type: "LineString", coordinates: points };
    const body = document.getElementById("dig-body");
    document.getElementById("dig-result").hidden = false;
    const r = await fetch("/api/v1/dig-check/", { method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf(), Accept: "application/json" },
      body: JSON.stringify({ geometry, buffer_m: Number.isFinite(buffer) ? buffer : document.getElementById("dig-buffer").value }) });
    const answer = await r.json();
    if (!r.ok) {
      const err = answer.error || {};
      const list = el("ul", { class: "error", role: "alert", id: "dig-errors" });
      Object.entries(err.details || {}).forEach(([field, msgs]) => [].concat(msgs).forEach((m) => list.append(el("li", { text: `${field}: ${m}` }))));
      if (!list.children.length) list.append(el("li", { text: err.message || String(r.status) }));
      body.replaceChildren(list);
    } else {
      const out = [el("p", { id: "dig-total", "data-total": answer.total,
                             text: `${show(answer.total)} — ${W.buffer_m}: ${show(answer.buffer_m)}، ${W.distance_m}: ${show(answer.length_m)} ${W.metre}` })];
      if (!answer.agencies.length) out.push(el("p", { text: W.no_assets }));
      answer.agencies.forEach((g) => {
        out.push(el("h3", { text: FA ? g.name_fa : g.name_en, "data-agency": g.agency }));
        const table = el("table", { "data-agency": g.agency });
        g.assets.forEach((a) => table.append(el("tr", {},
          el("td", { text: `${a.layer} ${a.ext_id || a.id}` }), el("td", { text: a.kind || "" }),
          el("td", { text: a.crosses ? W.crosses : `${show(a.distance_m)} ${W.metre}` }),
          el("td", { text: a.depth_m == null ? "" : `${W.depth} ${show(a.depth_m)} ${W.metre}` }))));
        out.push(table);
        if (g.hidden_count) out.push(el("p", { class: "hidden-count", text: `${show(g.hidden_count)} ${W.hidden_assets}` }));
      });
      body.replaceChildren(...out);
    }
    document.getElementById("dig-result").scrollIntoView({ block: "nearest" });
    document.body.dataset.digDone = String(Date.now());
  }
  finish.addEventListener("click", digCheck);
  window.panjerehSketch = () => points.map((p) => p.slice());  // the drawn points, for tests and scripting

  // B-READY 5: the check before applying, for the parcel under any point clicked (anyone, signed in or not)
  const precheckHere = document.getElementById("precheck-here");
  map.on("click", (e) => {
    if (tool) { addPoint(e.lngLat); return; }
    if (precheckHere) {
      precheckHere.href = `/precheck/?lon=${e.lngLat.lng.toFixed(6)}&lat=${e.lngLat.lat.toFixed(6)}`;
      precheckHere.hidden = false;
    }
    const box = [[e.point.x - 4, e.point.y - 4], [e.point.x + 4, e.point.y + 4]];
    const hits = map.queryRenderedFeatures(box, { layers: drawn() });
    // Points and lines before the parcel underneath them: the small thing under the cursor is what was meant.
    hits.sort((a, b) => (a.layer.type === "fill") - (b.layer.type === "fill"));
    if (hits.length && hits[0].id != null) fetchAttributes(hits[0].sourceLayer, hits[0].id);
  });

  // --- parcel search ---------------------------------------------------------------------------------------
  const result = document.getElementById("search-result");
  /** [west, south, east, north] of a GeoJSON geometry, whatever its nesting. */
  function bounds(geometry) {
    const b = [Infinity, Infinity, -Infinity, -Infinity];
    const walk = (c) => (typeof c[0] === "number"
      ? (b[0] = Math.min(b[0], c[0]), b[1] = Math.min(b[1], c[1]), b[2] = Math.max(b[2], c[0]), b[3] = Math.max(b[3], c[1]))
      : c.forEach(walk));
    walk(geometry.coordinates);
    return b;
  }
  function focusOn(feature, code) {
    map.getSource("focus").setData(feature);
    map.fitBounds(bounds(feature.geometry), { padding: 120, maxZoom: 18, duration: 0 });
    showAttributes(code, feature);
  }
  const errorText = (answer, status) => {
    const err = answer.error || {};
    return Object.values(err.details || {}).flat().join("; ") || err.message || String(status);
  };
  function listResults(features, code, label) {
    const list = el("ul", { id: "search-list" });
    features.forEach((f) => {
      const layer = code || f.properties.layer;
      const link = el("a", { href: "#", "data-id": f.id, "data-layer": layer, text: label(f) });
      link.addEventListener("click", (ev) => { ev.preventDefault(); focusOn(f, layer); });
      list.append(el("li", {}, link));
    });
    result.replaceChildren(list);
    focusOn(features[0], code || features[0].properties.layer);
  }
  // A plate or postal code finds parcels; anything else is taken as an asset id (a valve, a cabinet…), then
  // as a street's name.
  document.getElementById("map-search").addEventListener("submit", async (e) => {
    e.preventDefault();
    const q = document.getElementById("map-q").value.trim();
    if (!q) return;
    const json = { headers: { Accept: "application/json" } };
    let r = await fetch(`/api/v1/parcels/?limit=10&q=${encodeURIComponent(q)}`, json);
    let answer = await r.json();
    if (r.ok && answer.features.length) {
      listResults(answer.features, "parcels", (f) => {
        const p = f.properties;
        return show(`${p.registry_district}/${p.plate_main}/${p.plate_sub} — ${p.postal_code}`);
      });
      return;
    }
    const parcelError = r.ok ? null : errorText(answer, r.status);
    r = await fetch(`/api/v1/assets/?q=${encodeURIComponent(q)}`, json);
    answer = await r.json();
    if (r.ok && answer.features.length) {
      listResults(answer.features, null, (f) => `${f.properties.ext_id} — ${f.properties.kind || f.properties.layer}`);
      return;
    }
    const assetError = r.ok ? null : errorText(answer, r.status);
    // Not a plate nor an asset id: a street's name (the server forgives letter forms, digits and half-spaces).
    if (parcelError) {
      r = await fetch(`/api/v1/streets/?q=${encodeURIComponent(q)}`, json);
      answer = await r.json();
      if (r.ok && answer.features.length) {
        listResults(answer.features, null, (f) => show(f.properties.name));
        return;
      }
    }
    if (!assetError && !parcelError) { result.replaceChildren(el("p", { text: W.nothing_found })); return; }
    result.replaceChildren(el("p", { class: "error", role: "alert",
                                     text: `${W.nothing_found} — ${parcelError || assetError}` }));
  });

  // --- street works (agencies' staff): every agency's works of a period, coloured by status ----------------
  if (cfg.works) {
    const on = document.getElementById("works-on");
    const period = document.getElementById("works-period");
    const count = document.getElementById("works-count");
    const loadWorks = async () => {
      const visibility = on.checked ? "visible" : "none";
      ["works-fill", "works-line"].forEach((id) => map.setLayoutProperty(id, "visibility", visibility));
      if (!on.checked) { count.textContent = ""; return; }
      map.getSource("works").setTiles([worksTiles(period.value)]);  // the tiles draw; the list counts them
      const r = await fetch(`/api/v1/works/?period=${encodeURIComponent(period.value)}`, { headers: { Accept: "application/json" } });
      const answer = await r.json();
      if (!r.ok) { count.textContent = `${W.error}: ${errorText(answer, r.status)}`; return; }
      count.textContent = show(answer.works.length);
      document.body.dataset.worksShown = String(answer.works.length);  // for the browser tests
      document.body.dataset.worksIds = answer.works.map((w) => w.id).join(",");
    };
    on.addEventListener("change", loadWorks);
    period.addEventListener("change", loadWorks);
  }

  // A tile that failed (the server down, an error): say so in the panel rather than leave a silently empty
  // map. (MapLibre does not report 404s, which is how a layer hidden from this user answers: drawn empty.)
  map.on("error", (e) => {
    const status = e && e.error && e.error.status;
    if (status) document.getElementById("tool-help").textContent = `${W.error}: ${show(status)}`;
  });

  map.on("load", () => {
    if (cfg.focus) {
      map.getSource("focus").setData({ type: "Feature", geometry: cfg.focus.geometry, properties: {} });
      map.fitBounds(cfg.focus.bbox, { padding: 150, maxZoom: 18, duration: 0 });
      fetchAttributes("parcels", cfg.focus.id);
    }
    document.body.dataset.mapReady = "1";
  });
})();
