/* The ecosystem network view: fetch the Cytoscape elements from the URL in
   #network-graph's data-url (the same filters as the page) and draw them,
   coloured by community and sized by betweenness. The page's tables describe
   the same graph in words for keyboard and screen-reader users. */
(function () {
  "use strict";
  var box = document.getElementById("network-graph");
  if (!box || typeof window.cytoscape === "undefined") {
    return;
  }
  var status = document.getElementById("network-status");
  var palette = ["#0d6efd", "#d63384", "#198754", "#fd7e14", "#6f42c1", "#20c997",
    "#dc3545", "#0dcaf0", "#6c757d", "#ffc107", "#6610f2", "#adb5bd"];

  function colour(community) {
    if (community === null || community === undefined || community < 0) {
      return "#ced4da";
    }
    return palette[community % palette.length];
  }

  function draw(elements) {
    var maxB = 0;
    elements.nodes.forEach(function (node) {
      maxB = Math.max(maxB, node.data.betweenness || 0);
    });
    elements.nodes.forEach(function (node) {
      node.data.colour = colour(node.data.community);
      node.data.size = 12 + 38 * (maxB > 0 ? (node.data.betweenness || 0) / maxB : 0);
    });
    var reduced = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    var cy = window.cytoscape({
      container: box,
      elements: { nodes: elements.nodes, edges: elements.edges },
      style: [
        { selector: "node", style: {
          "background-color": "data(colour)", "width": "data(size)", "height": "data(size)",
          "label": "data(label)", "font-size": 8, "color": "#212529",
          "text-valign": "bottom", "text-margin-y": 2 } },
        { selector: "node[type = 'organisation']", style: { "shape": "round-rectangle" } },
        { selector: "edge", style: {
          "width": 1, "line-color": "#adb5bd", "curve-style": "haystack", "opacity": 0.6 } }
      ],
      layout: { name: "cose", animate: !reduced, randomize: false, nodeDimensionsIncludeLabels: false }
    });
    box.setAttribute("data-ready", "1");
    if (status) {
      status.textContent = "";
    }
    return cy;
  }

  fetch(box.getAttribute("data-url"), { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (response) {
      if (!response.ok) {
        throw new Error(String(response.status));
      }
      return response.json();
    })
    .then(draw)
    .catch(function () {
      if (status) {
        status.textContent = box.getAttribute("data-error") || "";
      }
    });
})();
