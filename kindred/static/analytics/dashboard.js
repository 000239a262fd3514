/* The ecosystem dashboard: one line chart per metric from the json_script block
   "ecosystem-series" (no inline script under the Content-Security-Policy), and
   feedback while a snapshot is being taken. Every chart's figures are also in a
   table on the page. */
(function () {
  "use strict";

  var form = document.getElementById("snapshot-form");
  if (form) {
    form.addEventListener("submit", function () {
      var progress = document.getElementById("snapshot-progress");
      if (progress) {
        progress.textContent = form.getAttribute("data-busy") || "";
        progress.classList.add("spinner-text");
      }
    });
  }

  var source = document.getElementById("ecosystem-series");
  if (!source || typeof window.Chart === "undefined") {
    return;
  }
  var series = JSON.parse(source.textContent);
  var reduced = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  document.querySelectorAll("canvas.metric-chart").forEach(function (canvas) {
    var data = series[canvas.getAttribute("data-metric")];
    if (!data) {
      return;
    }
    new window.Chart(canvas, {
      type: "line",
      data: {
        labels: data.labels,
        datasets: [{
          label: data.label,
          data: data.values,
          borderColor: "#0d6efd",
          backgroundColor: "rgba(13, 110, 253, 0.1)",
          spanGaps: true,
          tension: 0.2
        }]
      },
      options: {
        animation: reduced ? false : undefined,
        responsive: true,
        plugins: { legend: { display: false } },
        scales: { y: { beginAtZero: true } }
      }
    });
  });
})();
