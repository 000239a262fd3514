/* The public ecosystem page's trend chart, from the json_script block
   "public-trend-data"; the same figures are in a table on the page. */
(function () {
  "use strict";
  var source = document.getElementById("public-trend-data");
  var canvas = document.getElementById("public-trend");
  if (!source || !canvas || typeof window.Chart === "undefined") {
    return;
  }
  var trend = JSON.parse(source.textContent);
  var colours = ["#0d6efd", "#198754", "#d63384"];
  var reduced = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  new window.Chart(canvas, {
    type: "line",
    data: {
      labels: trend.labels,
      datasets: trend.datasets.map(function (d, i) {
        return { label: d.label, data: d.values, borderColor: colours[i % colours.length], spanGaps: true };
      })
    },
    options: {
      animation: reduced ? false : undefined,
      responsive: true,
      scales: { y: { beginAtZero: true, suggestedMax: 100 } }
    }
  });
})();
