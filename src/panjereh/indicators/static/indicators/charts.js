/* The dashboard's charts, drawn by Chart.js (served by Panjereh from npm) from the same numbers as the
 * tables under them; the tables are what screen readers read (the charts are aria-hidden). */
(function () {
  "use strict";
  const data = JSON.parse(document.getElementById("indicator-data").textContent);
  if (typeof Chart === "undefined") return;
  const FA = data.language !== "en";
  const digits = (v) => (FA ? String(v).replace(/[0-9]/g, (d) => "۰۱۲۳۴۵۶۷۸۹"[d]).replace(".", "٫") : String(v));
  Chart.defaults.font.family = "Vazirmatn, Tahoma, sans-serif";
  const common = {
    responsive: true, maintainAspectRatio: false, animation: false,
    plugins: { legend: { rtl: FA, position: "bottom" }, tooltip: { rtl: FA } },
    scales: { x: { reverse: FA, ticks: { callback(v) { return digits(this.getLabelForValue(v)); } } },
              y: { beginAtZero: true, position: FA ? "right" : "left", ticks: { callback: (v) => digits(v) } } },
  };
  const read = (id) => (document.getElementById(id) || {}).textContent || "";
  const heading = (id) => read(id).trim();
  const draw = (id, config) => { const c = document.getElementById(id); if (c) new Chart(c, config); };

  // 1. days from application to permit, month by month (median and 90th percentile)
  draw("chart-permits", { type: "line", options: common, data: {
    labels: data.permits.map((r) => r.month),
    datasets: [{ label: heading("permits-title"), data: data.permits.map((r) => r.calendar_days_median),
                 borderColor: "#0b4f6c", backgroundColor: "#0b4f6c" },
               { label: "P90", data: data.permits.map((r) => r.calendar_days_p90), borderColor: "#c56a00",
                 backgroundColor: "#c56a00", borderDash: [4, 3] }] } });

  // 2. each agency's median working days in its latest month, beside its deadline
  const latest = {};
  data.reviews.forEach((r) => { latest[r.agency] = r; });
  const agencies = Object.keys(latest);
  draw("chart-agencies", { type: "bar", options: common, data: {
    labels: agencies.map((a) => data.agency_names[a] || a),
    datasets: [{ label: heading("agencies-title"), data: agencies.map((a) => latest[a].agency_days_median),
                 backgroundColor: "#0b4f6c" },
               { label: "—", data: agencies.map((a) => data.deadlines[a]), backgroundColor: "#c9d6df" }] } });

  // 3. how many permits took 0–4, 5–9, … days
  draw("chart-distribution", { type: "bar", options: common, data: {
    labels: data.days_to_permit.map((r) => `${r.from}–${r.to}`),
    datasets: [{ label: heading("distribution-title"), data: data.days_to_permit.map((r) => r.permits),
                 backgroundColor: "#2e7d32" }] } });
  document.body.dataset.chartsReady = "1";
})();
