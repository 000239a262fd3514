/* Outcome chart: data from a json_script element (no inline script under the
   Content-Security-Policy); the same figures are always in the table. */
(function () {
  "use strict";
  var source = document.getElementById("outcomes-data");
  var canvas = document.getElementById("outcomes-chart");
  if (!source || !canvas || typeof window.Chart === "undefined") {
    return;
  }
  var data = JSON.parse(source.textContent);
  var reduced = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  new window.Chart(canvas, {
    type: "bar",
    data: {
      labels: data.labels,
      datasets: [
        { label: data.before_label, data: data.before, backgroundColor: "#6c757d" },
        { label: data.after_label, data: data.after, backgroundColor: "#0d6efd" }
      ]
    },
    options: { animation: reduced ? false : undefined, responsive: true }
  });
})();
