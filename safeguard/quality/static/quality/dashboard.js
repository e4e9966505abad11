/* The service-quality dashboard's charts (Apache ECharts, vendored).
 *
 * Each chart is an element `<div class="chart" data-chart="bar|line" data-source="ID">`; its data
 * is the JSON data island `<script type="application/json" id="ID">` the server rendered next to
 * it (the same numbers as the table under the chart): {name, unit, suffix, labels, values, urls}.
 * Clicking a bar or a point opens the cases behind that number. Charts are drawn when the page
 * loads and whenever htmx swaps in a section (the trends, another breakdown). No inline script:
 * the page works under a strict Content-Security-Policy, and tooltips are drawn on the canvas
 * (richText), never as HTML.
 */
(function () {
  "use strict";

  var charts = [];

  function readIsland(id) {
    var island = id && document.getElementById(id);
    if (!island) return null;
    try {
      return JSON.parse(island.textContent);
    } catch (e) {
      return null;
    }
  }

  function locale() {
    var lang = (document.documentElement.lang || "en").toLowerCase();
    return lang.indexOf("zh") === 0 ? "ZH" : "EN";
  }

  function options(kind, data) {
    var suffix = data.suffix || "";
    var valueAxis = {
      type: "value",
      axisLabel: { formatter: function (v) { return v + suffix; } }
    };
    if (data.unit === "percent") {
      valueAxis.min = 0;
      valueAxis.max = 100;
    }
    var points = data.values.map(function (value, i) {
      return { value: value, url: data.urls[i] || "" };
    });
    return {
      animation: false,
      aria: { enabled: true },
      grid: { left: 56, right: 16, top: 24, bottom: kind === "bar" ? 72 : 48, containLabel: false },
      tooltip: {
        trigger: "axis",
        renderMode: "richText",
        valueFormatter: function (v) { return v === null || v === undefined ? "–" : v + suffix; }
      },
      xAxis: {
        type: "category",
        data: data.labels,
        axisLabel: { interval: kind === "bar" ? 0 : "auto", rotate: kind === "bar" && data.labels.length > 6 ? 30 : 0 }
      },
      yAxis: valueAxis,
      series: [{
        name: data.name,
        type: kind === "bar" ? "bar" : "line",
        data: points,
        connectNulls: false,
        showSymbol: true,
        cursor: "pointer",
        barMaxWidth: 64,
        itemStyle: { color: "#0b5cad" }
      }]
    };
  }

  function draw(element) {
    if (element.getAttribute("data-drawn") || !window.echarts) return;
    var data = readIsland(element.getAttribute("data-source"));
    if (!data || !data.values || !data.values.length) return;
    var kind = element.getAttribute("data-chart") === "bar" ? "bar" : "line";
    var chart = window.echarts.init(element, null, { renderer: "canvas", locale: locale() });
    chart.setOption(options(kind, data));
    chart.on("click", function (params) {
      if (params.data && params.data.url) window.location.assign(params.data.url);
    });
    element.setAttribute("data-drawn", "true");
    charts.push(chart);
  }

  function drawAll(root) {
    // Charts swapped out by htmx are disposed of before new ones are drawn.
    charts = charts.filter(function (chart) {
      if (chart.getDom() && document.body.contains(chart.getDom())) return true;
      chart.dispose();
      return false;
    });
    var found = (root || document).querySelectorAll("[data-chart]");
    for (var i = 0; i < found.length; i++) draw(found[i]);
  }

  document.addEventListener("DOMContentLoaded", function () { drawAll(document); });
  // htmx fires htmx:load on every element it swaps in.
  document.addEventListener("htmx:load", function (event) { drawAll(event.target); });
  window.addEventListener("resize", function () {
    charts.forEach(function (chart) { chart.resize(); });
  });
  window.addEventListener("beforeprint", function () {
    charts.forEach(function (chart) { chart.resize(); });
  });
})();
