// The analytics charts (docs/decisions/0042-analytics.md), drawn by Chart.js from the JSON block beside
// each canvas: the same numbers as the chart's table and its CSV. Without JavaScript (or Chart.js) the
// canvas stays hidden and the table is the chart. Words come from Django's JavaScript catalogue.
(function () {
  "use strict";

  var drawn = new WeakMap(); // figure -> its Chart

  function cssVar(name, fallback) {
    var value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
    return value || fallback;
  }

  function palette() {
    return [
      cssVar("--brand", "#2b2f77"),
      cssVar("--accent", "#ff7a59"),
      cssVar("--ok", "#17683f"),
      cssVar("--warn", "#8a5200"),
      "#7b3fa0",
      "#0f6f8c",
      cssVar("--danger", "#b3261e"),
    ];
  }

  function formatter(data) {
    var lang = document.documentElement.lang || undefined;
    if (data.unit === "money" && data.currency) {
      var money = new Intl.NumberFormat(lang, { style: "currency", currency: data.currency, maximumFractionDigits: 0 });
      return function (value) { return money.format(value); };
    }
    var plain = new Intl.NumberFormat(lang, { maximumFractionDigits: 2 });
    if (data.unit === "percent") return function (value) { return plain.format(value) + " %"; };
    if (data.unit === "stars") return function (value) { return interpolate(gettext("%s of 5"), [plain.format(value)]); };
    if (data.unit === "hours") return function (value) { return interpolate(gettext("%s h"), [plain.format(value)]); };
    return function (value) { return plain.format(value); };
  }

  function datasets(data) {
    var colours = palette();
    var muted = cssVar("--muted", "#5d6180");
    var line = data.kind === "line";
    return data.series.map(function (series, index) {
      var colour = series.previous ? muted : colours[index % colours.length];
      return {
        label: series.label,
        data: series.values,
        borderColor: colour,
        backgroundColor: series.previous ? "rgba(93, 97, 128, 0.25)" : colour,
        borderDash: series.previous ? [6, 4] : [],
        borderWidth: line ? 2 : 0,
        pointRadius: line ? 3 : 0,
        spanGaps: true,
        tension: 0.2,
      };
    });
  }

  function draw(figure) {
    if (typeof window.Chart !== "function" || drawn.has(figure)) return;
    var source = document.getElementById("chart-" + figure.dataset.chart + "-data");
    var box = figure.querySelector("[data-chart-canvas]");
    if (!source || !box) return;
    var data;
    try {
      data = JSON.parse(source.textContent);
    } catch (error) {
      return;
    }
    box.hidden = false;
    var format = formatter(data);
    var still = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    var chart = new window.Chart(box.querySelector("canvas"), {
      type: data.kind === "line" ? "line" : "bar",
      data: { labels: data.labels, datasets: datasets(data) },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: still ? false : { duration: 300 },
        interaction: { mode: "index", intersect: false },
        plugins: {
          legend: { display: data.series.length > 1, position: "bottom" },
          tooltip: {
            callbacks: {
              label: function (item) {
                return item.dataset.label + ": " + (item.raw === null ? "–" : format(item.raw));
              },
            },
          },
        },
        scales: {
          x: { grid: { display: false }, ticks: { autoSkip: true, maxRotation: 0 } },
          y: { beginAtZero: true, ticks: { callback: function (value) { return format(value); }, precision: 0 } },
        },
      },
    });
    drawn.set(figure, chart);
    figure.dataset.chartDrawn = "true";
  }

  function drawAll(root) {
    (root || document).querySelectorAll("[data-chart]").forEach(draw);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", function () { drawAll(); });
  else drawAll();
  document.addEventListener("htmx:load", function (event) { drawAll(event.target); });
})();
