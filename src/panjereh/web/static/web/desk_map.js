/* The small map of a desk page (crisis room, findings, works): the network layers from Panjereh's own tiles,
 * and the page's own features (GeoJSON in CRS84, given with the page) coloured by their "colour" property.
 * With "pick", a click chooses what the form is about: an asset under the cursor fills #feature (and shows its
 * id in #picked), else the point fills #lon/#lat. Buttons with data-zoom="lon,lat" (or "w,s,e,n") move the map
 * there (delegated: they may come after the map in the page). No outside requests, no base map from the internet. */
(function () {
  "use strict";
  const holder = document.getElementById("desk-map");
  const data = JSON.parse(document.getElementById("desk-map-data").textContent);
  const origin = window.location.origin;
  const { show } = window.panjerehDigits;  // digits.js
  const empty = { type: "FeatureCollection", features: [] };
  const style = { version: 8, sources: {}, layers: [{ id: "background", type: "background",
                                                       paint: { "background-color": "#eef0e8" } }] };
  const clickable = [];
  (data.tiles || []).forEach((layer) => {
    const src = "src-" + layer.code;
    style.sources[src] = { type: "vector", minzoom: layer.minzoom || 0, maxzoom: 16,
                           tiles: [`${origin}/tiles/${layer.code}/{z}/{x}/{y}.mvt?v=${layer.version}`] };
    const base = { source: src, "source-layer": layer.code };
    if (layer.geometry.endsWith("LineString")) {
      const street = layer.code === "streets";
      style.layers.push({ ...base, id: layer.code + "-line", type: "line",
                          paint: { "line-color": street ? "#b0b0b0" : layer.colour, "line-width": street ? 6 : 2.5,
                                   "line-opacity": street ? 0.5 : 0.9 } });
      if (!street) clickable.push(layer.code + "-line");
    } else if (layer.geometry.endsWith("Point")) {
      style.layers.push({ ...base, id: layer.code + "-point", type: "circle",
                          paint: { "circle-color": layer.colour, "circle-radius": 4, "circle-stroke-color": "#fff",
                                   "circle-stroke-width": 1 } });
      clickable.push(layer.code + "-point");
    }
  });
  style.sources.own = { type: "geojson", data: { type: "FeatureCollection", features: data.features || [] } };
  style.sources.picked = { type: "geojson", data: empty };
  style.layers.push(
    { id: "own-fill", type: "fill", source: "own", filter: ["==", ["geometry-type"], "Polygon"],
      paint: { "fill-color": ["get", "colour"], "fill-opacity": 0.45, "fill-outline-color": "#7a4a00" } },
    { id: "own-line", type: "line", source: "own", filter: ["==", ["geometry-type"], "LineString"],
      paint: { "line-color": ["get", "colour"], "line-width": 5 } },
    { id: "own-point", type: "circle", source: "own", filter: ["==", ["geometry-type"], "Point"],
      paint: { "circle-color": ["get", "colour"], "circle-radius": 7, "circle-stroke-color": "#fff",
               "circle-stroke-width": 2 } },
    { id: "picked-line", type: "line", source: "picked", paint: { "line-color": "#ffd400", "line-width": 8,
                                                                   "line-opacity": 0.8 } },
    { id: "picked-point", type: "circle", source: "picked", paint: { "circle-color": "#ffd400", "circle-radius": 9,
                                                                     "circle-stroke-color": "#000",
                                                                     "circle-stroke-width": 2 } });
  if (typeof maplibregl === "undefined" || !holder) return;
  const map = new maplibregl.Map({ container: holder, bounds: data.extent, attributionControl: false, style });
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }), "top-left");

  function bounds(features) {
    const b = [Infinity, Infinity, -Infinity, -Infinity];
    const walk = (c) => (typeof c[0] === "number"
      ? (b[0] = Math.min(b[0], c[0]), b[1] = Math.min(b[1], c[1]), b[2] = Math.max(b[2], c[0]), b[3] = Math.max(b[3], c[1]))
      : c.forEach(walk));
    features.forEach((f) => walk(f.geometry.coordinates));
    return b;
  }
  map.on("load", () => {
    if (data.fit && (data.features || []).length) {
      map.fitBounds(bounds(data.features), { padding: 50, maxZoom: 18, duration: 0 });
    }
    document.body.dataset.deskMapReady = "1";
  });
  const set = (id, value) => { const input = document.getElementById(id); if (input) input.value = value; };
  if (data.pick) {
    map.on("click", (e) => {
      const box = [[e.point.x - 5, e.point.y - 5], [e.point.x + 5, e.point.y + 5]];
      const hits = clickable.length ? map.queryRenderedFeatures(box, { layers: clickable }) : [];
      const picked = document.getElementById("picked");
      if (hits.length && hits[0].id != null) {
        set("feature", hits[0].id);
        set("lon", ""); set("lat", ""); set("asset", "");
        map.getSource("picked").setData({ type: "Feature", geometry: hits[0].geometry, properties: {} });
        if (picked) picked.textContent = `${hits[0].properties.ext_id || show(hits[0].id)} (${hits[0].sourceLayer})`;
        document.body.dataset.picked = String(hits[0].id);
      } else {
        set("feature", "");
        set("lon", e.lngLat.lng.toFixed(6)); set("lat", e.lngLat.lat.toFixed(6));
        map.getSource("picked").setData({ type: "Feature", properties: {},
                                          geometry: { type: "Point", coordinates: [e.lngLat.lng, e.lngLat.lat] } });
        if (picked) picked.textContent = `${show(e.lngLat.lng.toFixed(5))}، ${show(e.lngLat.lat.toFixed(5))}`;
        document.body.dataset.picked = "point";
      }
    });
  }
  if (data.draw) {  // a line drawn click by click into #geometry (GeoJSON in CRS84); #draw-clear starts again
    const line = [];
    const store = () => {
      const feature = line.length > 1 ? { type: "LineString", coordinates: line.map((p) => p.slice()) } : null;
      set("geometry", feature ? JSON.stringify(feature) : "");
      map.getSource("picked").setData(feature ? { type: "Feature", geometry: feature, properties: {} }
        : (line.length ? { type: "Feature", properties: {}, geometry: { type: "Point", coordinates: line[0] } } : empty));
      const count = document.getElementById("draw-count");
      if (count) count.textContent = show(String(line.length));
      document.body.dataset.drawnPoints = String(line.length);
    };
    map.on("click", (e) => { line.push([+e.lngLat.lng.toFixed(7), +e.lngLat.lat.toFixed(7)]); store(); });
    const clear = document.getElementById("draw-clear");
    if (clear) clear.addEventListener("click", () => { line.length = 0; store(); });
  }
  // delegated: the buttons are in the table under the map, written after this script has run
  document.addEventListener("click", (event) => {
    const button = event.target.closest("[data-zoom]");
    if (!button) return;
    const v = button.dataset.zoom.split(",").map(Number);
    if (v.length === 4) map.fitBounds([[v[0], v[1]], [v[2], v[3]]], { padding: 60, maxZoom: 18, duration: 0 });
    else map.jumpTo({ center: v, zoom: 18 });
    map.getSource("picked").setData(v.length === 2 ? { type: "Feature", properties: {},
                                                      geometry: { type: "Point", coordinates: v } } : empty);
    holder.scrollIntoView({ block: "nearest" });
    document.body.dataset.zoomedTo = button.dataset.zoom;
  });
  window.panjerehDeskMap = map;
})();
