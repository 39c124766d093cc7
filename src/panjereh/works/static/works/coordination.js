/* The coordination page's map: every works of the period, coloured by status, drawn from the same data as
 * the table under it (GeoJSON in CRS84, given with the page). No base map from outside. */
(function () {
  "use strict";
  const data = JSON.parse(document.getElementById("works-data").textContent);
  if (typeof maplibregl === "undefined") return;
  const map = new maplibregl.Map({
    container: "works-map", bounds: data.extent, attributionControl: false,
    style: { version: 8,
             sources: { works: { type: "geojson", data: { type: "FeatureCollection", features: data.features } },
                        // the streets (the public layer of the shared map) for context, from Panjereh's own tiles
                        streets: { type: "vector", tiles: [`${window.location.origin}/tiles/streets/{z}/{x}/{y}.mvt`],
                                   maxzoom: 16 } },
             layers: [{ id: "background", type: "background", paint: { "background-color": "#eef0e8" } },
                      { id: "streets", type: "line", source: "streets", "source-layer": "streets",
                        paint: { "line-color": "#b0b0b0", "line-width": 6, "line-opacity": 0.6 } },
                      { id: "works-fill", type: "fill", source: "works", filter: ["==", ["geometry-type"], "Polygon"],
                        paint: { "fill-color": ["get", "colour"], "fill-opacity": 0.3 } },
                      { id: "works-line", type: "line", source: "works",
                        paint: { "line-color": ["get", "colour"], "line-width": 5 } }] } });
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }), "top-left");
  map.on("load", () => {
    if (data.features.length) {
      const b = [Infinity, Infinity, -Infinity, -Infinity];
      const walk = (c) => (typeof c[0] === "number"
        ? (b[0] = Math.min(b[0], c[0]), b[1] = Math.min(b[1], c[1]), b[2] = Math.max(b[2], c[0]), b[3] = Math.max(b[3], c[1]))
        : c.forEach(walk));
      data.features.forEach((f) => walk(f.geometry.coordinates));
      map.fitBounds(b, { padding: 60, maxZoom: 17, duration: 0 });
    }
    document.body.dataset.worksMapReady = "1";
  });
  window.panjerehWorksMap = map;
})();
