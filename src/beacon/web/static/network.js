/*
 * The network view's graph (Cytoscape) and the entity page's map of placed reports (Leaflet),
 * both drawn from JSON islands written by templates/triage/network.html and entity.html. The
 * CSP allows scripts from 'self' only: nothing here builds HTML from strings; text goes in
 * through textContent.
 *
 * Both pages carry a table with the same facts, so a drawing that fails says so and points
 * there. Containers are marked data-network-ready / data-map-ready: "true" once drawn, "false"
 * when drawing failed (the browser tests wait for the attribute).
 */
(function () {
  "use strict";

  var PALETTE = [
    "#1d70b8", "#d4351c", "#00703c", "#f47738", "#4c2c92",
    "#b58840", "#912b88", "#28a197", "#5694ca", "#85994b",
  ];
  var GREY = "#b1b4b6";
  var SHAPES = { report: "round-rectangle", entity: "ellipse", place: "diamond" };

  function readIsland(id) {
    var node = id ? document.getElementById(id) : null;
    if (!node) {
      throw new Error("its data (#" + id + ") is missing from the page");
    }
    return JSON.parse(node.textContent);
  }

  function fail(container, attribute, text) {
    container.textContent = "";
    var p = document.createElement("p");
    p.className = "govuk-body beacon-figure__error";
    p.textContent = text;
    container.appendChild(p);
    container.classList.add("beacon-network--failed");
    container.setAttribute(attribute, "false");
  }

  // ------------------------------------------------------------------------------------------
  // The graph

  function elements(island) {
    var out = [];
    (island.nodes || []).forEach(function (node) {
      var colour = GREY;
      if (node.kind !== "place" && node.community !== null && node.community !== undefined) {
        colour = PALETTE[node.community % PALETTE.length];
      }
      out.push({
        group: "nodes",
        data: {
          id: node.id,
          label: node.label,
          kind: node.kind,
          href: node.href || "",
          colour: colour,
          shape: SHAPES[node.kind] || "ellipse",
          start: node.start ? 1 : 0,
        },
      });
    });
    (island.edges || []).forEach(function (edge, index) {
      out.push({
        group: "edges",
        data: { id: "e" + index, source: edge.source, target: edge.target, kind: edge.kind },
      });
    });
    return out;
  }

  function drawGraph(container) {
    var island;
    try {
      island = readIsland(container.getAttribute("data-network"));
    } catch (error) {
      fail(container, "data-network-ready", "The graph cannot be drawn: " + error.message);
      return;
    }
    if (!window.cytoscape) {
      fail(
        container,
        "data-network-ready",
        "The graph cannot be drawn: its drawing library is missing. The table below lists " +
          "every node and link."
      );
      return;
    }
    container.textContent = "";
    var many = (island.nodes || []).length > 150;
    var cy = window.cytoscape({
      container: container,
      elements: elements(island),
      wheelSensitivity: 0.3,
      minZoom: 0.1,
      maxZoom: 4,
      style: [
        {
          selector: "node",
          style: {
            "background-color": "data(colour)",
            shape: "data(shape)",
            label: "data(label)",
            "font-size": 10,
            "font-family": "system-ui, Arial, sans-serif",
            color: "#0b0c0c",
            "text-valign": "bottom",
            "text-margin-y": 3,
            "text-wrap": "ellipsis",
            "text-max-width": "120px",
            "min-zoomed-font-size": many ? 9 : 0,
            width: 18,
            height: 18,
            "border-width": 1,
            "border-color": "#ffffff",
          },
        },
        { selector: 'node[kind = "place"]', style: { width: 14, height: 14, color: "#505a5f" } },
        {
          selector: "node[start = 1]",
          style: { width: 30, height: 30, "border-width": 4, "border-color": "#0b0c0c" },
        },
        {
          selector: "node:selected",
          style: { "border-width": 4, "border-color": "#ffdd00" },
        },
        {
          selector: "edge",
          style: { width: 1.5, "line-color": "#8d9196", "curve-style": "haystack" },
        },
        {
          selector: 'edge[kind = "place"]',
          style: { "line-style": "dashed", "line-color": "#c8cacc" },
        },
      ],
      layout: { name: "cose", animate: false, randomize: false, nodeRepulsion: 8000 },
    });
    cy.on("tap", "node", function (event) {
      var href = event.target.data("href");
      if (href) {
        window.location.assign(href);
      }
    });
    cy.ready(function () {
      container.setAttribute("data-network-ready", "true");
    });
  }

  // ------------------------------------------------------------------------------------------
  // The entity page's map

  function drawPoints(container) {
    var points;
    try {
      points = readIsland(container.getAttribute("data-points"));
    } catch (error) {
      fail(container, "data-map-ready", "The map cannot be drawn: " + error.message);
      return;
    }
    if (!window.L) {
      fail(container, "data-map-ready", "The map cannot be drawn: Leaflet is missing.");
      return;
    }
    container.textContent = "";
    var map = window.L.map(container, { attributionControl: false, maxZoom: 18 });
    var bounds = [];
    points.forEach(function (point) {
      var marker = window.L.circleMarker([point.lat, point.lng], {
        radius: 8,
        color: "#0b0c0c",
        weight: 1,
        fillColor: "#d4351c",
        fillOpacity: 0.8,
      }).addTo(map);
      marker.bindTooltip(point.label);
      if (point.href) {
        marker.on("click", function () {
          window.location.assign(point.href);
        });
      }
      bounds.push([point.lat, point.lng]);
    });
    map.fitBounds(bounds, { padding: [30, 30], maxZoom: 15 });
    container.setAttribute("data-map-ready", "true");
    var areas = container.getAttribute("data-areas");
    if (areas && window.fetch) {
      window
        .fetch(areas, { credentials: "omit", headers: { Accept: "application/geo+json" } })
        .then(function (response) {
          return response.ok ? response.json() : null;
        })
        .then(function (collection) {
          if (collection && collection.features && collection.features.length) {
            var layer = window.L.geoJSON(collection, {
              interactive: false,
              style: function () {
                return { color: "#12263f", weight: 1, fillColor: "#1d70b8", fillOpacity: 0.05 };
              },
            }).addTo(map);
            layer.bringToBack();
          }
        })
        .catch(function () {
          // The outlines are only a background: the points are drawn already.
        });
    }
  }

  function start() {
    var graphs = document.querySelectorAll("[data-network]");
    for (var i = 0; i < graphs.length; i++) {
      drawGraph(graphs[i]);
    }
    var maps = document.querySelectorAll("[data-points]");
    for (var j = 0; j < maps.length; j++) {
      drawPoints(maps[j]);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
