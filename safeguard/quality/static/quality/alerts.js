// The alert page's chart: observed complaints per day against the expected number.
// Data comes from the json_script element "alert-chart-data" (no inline script: CSP).
(function () {
  "use strict";
  function draw() {
    var holder = document.getElementById("alert-chart");
    var source = document.getElementById("alert-chart-data");
    if (!holder || !source || typeof window.echarts === "undefined") {
      return;
    }
    var data = JSON.parse(source.textContent);
    holder.style.height = "260px";
    var chart = window.echarts.init(holder);
    chart.setOption({
      animation: false,
      tooltip: { trigger: "axis" },
      legend: { data: [data.labels.observed, data.labels.expected] },
      xAxis: { type: "category", data: data.days },
      yAxis: { type: "value", minInterval: 1 },
      series: [
        { name: data.labels.observed, type: "bar", data: data.observed },
        { name: data.labels.expected, type: "line", data: data.expected, smooth: false },
      ],
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
