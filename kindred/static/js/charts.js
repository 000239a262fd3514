/* Charts for report pages: data comes from a json_script element, so no inline
   script is needed under the Content-Security-Policy. The figures are always in a
   table next to the chart too. */
(function () {
  "use strict";
  var source = document.getElementById("report-data");
  if (!source || typeof window.Chart === "undefined") {
    return;
  }
  var data = JSON.parse(source.textContent);
  var reduced = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  var common = { animation: reduced ? false : undefined, responsive: true };
  var funnel = document.getElementById("funnel-chart");
  if (funnel && data.funnel) {
    new window.Chart(funnel, {
      type: "bar",
      data: {
        labels: data.funnel.labels,
        datasets: [{ data: data.funnel.values, backgroundColor: ["#0d6efd", "#6610f2", "#198754"] }]
      },
      options: Object.assign({ plugins: { legend: { display: false } } }, common)
    });
  }
  var months = document.getElementById("months-chart");
  if (months && data.months) {
    new window.Chart(months, {
      type: "line",
      data: {
        labels: data.months.labels,
        datasets: [
          { label: data.months.sent_label, data: data.months.sent, borderColor: "#0d6efd" },
          { label: data.months.received_label, data: data.months.received, borderColor: "#198754" }
        ]
      },
      options: common
    });
  }
})();
