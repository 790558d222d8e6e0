/*
 * The analysts' workspace figures: choropleth maps (Leaflet) and charts (Chart.js), both drawn
 * from JSON islands written by templates/workspace/_figures.html. The CSP allows scripts from
 * 'self' only, so nothing here builds HTML from strings: text goes in through textContent and
 * colours through element.style (CSSOM), which style-src 'self' permits.
 *
 * Every figure has a table with the same figures on the page, so a figure that cannot be drawn
 * says why and points there instead of leaving an empty box.
 *
 * Containers are marked data-map-ready / data-chart-ready: "true" once drawn, "false" when
 * drawing failed (tests and the benchmark wait for the attribute).
 */
(function () {
  "use strict";

  var GREY = "#505a5f";
  var PALETTE = ["#1d70b8", "#d4351c", "#00703c", "#f47738", "#505a5f", "#4c2c92"];
  var FONT =
    'system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Liberation Sans", Arial, sans-serif';
  var FALLBACK = "; the table below has the same figures.";

  function readIsland(id) {
    var node = id ? document.getElementById(id) : null;
    if (!node) {
      throw new Error("its data (#" + id + ") is missing from the page");
    }
    try {
      return JSON.parse(node.textContent);
    } catch (error) {
      throw new Error("its data (#" + id + ") is not valid JSON: " + error.message);
    }
  }

  function message(text) {
    var p = document.createElement("p");
    p.className = "govuk-body beacon-figure__error";
    p.textContent = text;
    return p;
  }

  // ------------------------------------------------------------------------------------------
  // Number formats shared by map legends and chart axes/tooltips.

  var FORMATS = {
    integer: new Intl.NumberFormat("en-GB", { maximumFractionDigits: 0 }),
    decimal: new Intl.NumberFormat("en-GB", { maximumFractionDigits: 2 }),
    percent: new Intl.NumberFormat("en-GB", { style: "percent", maximumFractionDigits: 1 }),
  };

  function formatter(name) {
    var format = FORMATS[name] || FORMATS.decimal;
    return function (value) {
      if (value === null || value === undefined || isNaN(value)) {
        return "–";
      }
      return format.format(value);
    };
  }

  // ------------------------------------------------------------------------------------------
  // Maps

  // One request per boundary URL even when several maps on a page share it.
  var geometryRequests = {};

  function fetchGeometry(url) {
    if (!geometryRequests[url]) {
      geometryRequests[url] = window
        .fetch(url, {
          credentials: "same-origin",
          headers: { Accept: "application/geo+json, application/json" },
        })
        .then(function (response) {
          if (!response.ok) {
            throw new Error(
              "the area boundaries did not load (HTTP " + response.status + " from " + url + ")"
            );
          }
          return response.json().catch(function () {
            throw new Error("the area boundaries from " + url + " are not valid GeoJSON");
          });
        });
      // A failure should not be remembered: a later map (or an htmx swap) may retry.
      geometryRequests[url].catch(function () {
        delete geometryRequests[url];
      });
    }
    return geometryRequests[url];
  }

  function tooltipText(name, area) {
    var parts = [name];
    if (!area) {
      parts.push("no figures for this area");
    } else {
      if (area.label) {
        parts.push(area.label);
      }
      if (area.value) {
        parts.push(area.value);
      }
    }
    return parts.join(" — ");
  }

  function legendControl(legend) {
    var control = window.L.control({ position: "bottomright" });
    control.onAdd = function () {
      var box = window.L.DomUtil.create("div", "beacon-map-legend");
      window.L.DomEvent.disableClickPropagation(box);
      window.L.DomEvent.disableScrollPropagation(box);
      if (legend.title) {
        var title = document.createElement("p");
        title.className = "beacon-map-legend__title";
        title.textContent = legend.title;
        box.appendChild(title);
      }
      var list = document.createElement("ul");
      list.className = "beacon-map-legend__list";
      (legend.items || []).forEach(function (item) {
        var li = document.createElement("li");
        li.className = "beacon-map-legend__item";
        var swatch = document.createElement("span");
        swatch.className = "beacon-map-legend__swatch";
        swatch.setAttribute("aria-hidden", "true");
        if (item.fill) {
          swatch.style.backgroundColor = item.fill;
        } else {
          swatch.classList.add("beacon-map-legend__swatch--empty");
        }
        li.appendChild(swatch);
        li.appendChild(document.createTextNode(item.label || ""));
        list.appendChild(li);
      });
      box.appendChild(list);
      return box;
    };
    return control;
  }

  function areaStyle(area) {
    if (area && area.fill) {
      return { color: GREY, weight: 1, opacity: 0.9, fillColor: area.fill, fillOpacity: 0.75 };
    }
    return { color: "#b1b4b6", weight: 1, opacity: 1, fillOpacity: 0 };
  }

  var HIGHLIGHT = { color: "#0b0c0c", weight: 3, opacity: 1 };

  function drawMap(container, island, collection) {
    if (!collection || !Array.isArray(collection.features) || !collection.features.length) {
      throw new Error("there are no area boundaries to draw");
    }
    var areas = island.areas || {};
    container.textContent = ""; // the "loading" placeholder
    var map = window.L.map(container, {
      attributionControl: Boolean(island.tiles),
      scrollWheelZoom: false, // a long page should scroll, not zoom the map under the pointer
      zoomSnap: 0.25,
    });
    if (island.tiles && island.tiles.url) {
      window.L.tileLayer(island.tiles.url, {
        attribution: island.tiles.attribution || "",
        maxZoom: 19,
      }).addTo(map);
    }

    var layer = window.L.geoJSON(collection, {
      style: function (feature) {
        var props = feature.properties || {};
        var options = areaStyle(areas[props.code]);
        options.className = "beacon-map__area";
        return options;
      },
      onEachFeature: function (feature, path) {
        var props = feature.properties || {};
        var area = areas[props.code];
        var text = tooltipText(props.name || props.code || "Area", area);
        var tip = document.createElement("span");
        tip.textContent = text;
        path.bindTooltip(tip, { sticky: true, direction: "top", className: "beacon-map-tooltip" });
        path.on("mouseover", function () {
          path.setStyle(HIGHLIGHT);
          path.bringToFront();
        });
        path.on("mouseout", function () {
          layer.resetStyle(path);
        });
        if (area && area.href) {
          path.on("click", function () {
            window.location.assign(area.href);
          });
        }
        path.on("add", function () {
          keyboardAccess(path, text, area, layer);
        });
      },
    }).addTo(map);

    if (island.outline_url) {
      fetchGeometry(island.outline_url)
        .then(function (outline) {
          window.L.geoJSON(outline, {
            interactive: false,
            style: function () {
              return { className: "beacon-map__outline", color: "#0b0c0c", weight: 2.5, fill: false };
            },
          }).addTo(map);
        })
        .catch(function () {
          // The outline is decoration: the areas are drawn without it.
        });
    }
    if (island.legend) {
      legendControl(island.legend).addTo(map);
    }

    var bounds = layer.getBounds();
    var moved = false; // by the user: then a resize must not snap the view back
    var fitting = false;
    map.fitBounds(bounds, { padding: [8, 8] });
    map.on("zoomstart movestart", function () {
      if (!fitting) {
        moved = true;
      }
    });
    // A map drawn while hidden (a closed tab or details) has no size: fit again when it shows.
    if (window.ResizeObserver) {
      new window.ResizeObserver(function () {
        fitting = true;
        map.invalidateSize();
        if (!moved && container.clientWidth > 0) {
          map.fitBounds(bounds, { padding: [8, 8], animate: false });
        }
        fitting = false;
      }).observe(container);
    }
    return map;
  }

  // SVG paths are not focusable by default: make each area with a page a keyboard link too.
  function keyboardAccess(path, text, area, layer) {
    var element = path.getElement && path.getElement();
    if (!element) {
      return;
    }
    element.setAttribute("aria-label", text);
    if (!area || !area.href) {
      return;
    }
    element.setAttribute("tabindex", "0");
    element.setAttribute("role", "link");
    element.addEventListener("focus", function () {
      path.setStyle(HIGHLIGHT);
      path.bringToFront();
      path.openTooltip(path.getBounds().getCenter());
    });
    element.addEventListener("blur", function () {
      layer.resetStyle(path);
      path.closeTooltip();
    });
    element.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        event.preventDefault();
        window.location.assign(area.href);
      }
    });
  }

  function failMap(container, error) {
    container.textContent = "";
    container.classList.add("beacon-map--failed");
    container.appendChild(message("The map could not be drawn: " + error.message + FALLBACK));
    container.setAttribute("data-map-ready", "false");
  }

  function initMap(container) {
    if (container.hasAttribute("data-map-ready") || container._beaconStarted) {
      return;
    }
    container._beaconStarted = true;
    var island;
    try {
      island = readIsland(container.getAttribute("data-map"));
      if (!window.L) {
        throw new Error("the map library (Leaflet) did not load");
      }
      if (!window.fetch) {
        throw new Error("this browser cannot fetch the area boundaries");
      }
    } catch (error) {
      failMap(container, error);
      return;
    }
    var url = container.getAttribute("data-geometry-url");
    if (!url) {
      failMap(container, new Error("the page gives no address for the area boundaries"));
      return;
    }
    fetchGeometry(url)
      .then(function (collection) {
        drawMap(container, island, collection);
        container.setAttribute("data-map-ready", "true");
      })
      .catch(function (error) {
        failMap(container, error);
      });
  }

  // ------------------------------------------------------------------------------------------
  // Charts

  function axis(spec, fallbackType) {
    spec = spec || {};
    var type = spec.type || fallbackType;
    var format = formatter(spec.format);
    var options = {
      type: type,
      title: { display: Boolean(spec.label), text: spec.label || "", font: { weight: "bold" } },
      grid: { color: "#e5e8ea" },
      ticks: {},
    };
    if (spec.min !== null && spec.min !== undefined) {
      options.min = spec.min;
    }
    if (spec.max !== null && spec.max !== undefined) {
      options.max = spec.max;
    }
    if (type === "linear") {
      options.ticks.callback = function (value) {
        return format(value);
      };
      if (spec.format === "integer") {
        options.ticks.precision = 0;
      }
    }
    return options;
  }

  function transparent(hex, alpha) {
    var match = /^#([0-9a-f]{6})$/i.exec(hex || "");
    if (!match) {
      return hex;
    }
    var n = parseInt(match[1], 16);
    return "rgba(" + (n >> 16) + "," + ((n >> 8) & 255) + "," + (n & 255) + "," + alpha + ")";
  }

  function dataset(series, index) {
    var colour = series.colour || PALETTE[index % PALETTE.length];
    var type = series.type || "line";
    var radius = series.point_radius;
    var common = {
      label: series.label || "",
      data: series.data || [],
      borderColor: colour,
      backgroundColor: colour,
      pointStyle: series.point_style || "circle",
      beaconType: type,
    };
    if (type === "bar") {
      common.type = "bar";
      common.borderWidth = 0;
      common.order = 3;
      return common;
    }
    if (type === "points") {
      radius = radius === null || radius === undefined ? 6 : radius;
      common.type = "line";
      common.showLine = false;
      common.pointRadius = radius;
      common.pointHoverRadius = radius + 2;
      common.pointBorderWidth = 1;
      common.pointBorderColor = "#0b0c0c";
      common.order = 1; // markers on top of the line they mark
      return common;
    }
    radius = radius === null || radius === undefined ? 3 : radius;
    common.type = "line";
    common.borderWidth = 2;
    common.borderDash = series.dash ? [6, 4] : [];
    common.fill = series.fill ? "origin" : false;
    common.backgroundColor = series.fill ? transparent(colour, 0.15) : colour;
    common.pointBackgroundColor = colour;
    common.pointRadius = radius;
    common.pointHoverRadius = Math.max(radius, 3) + 2;
    common.pointHitRadius = 6;
    common.tension = 0;
    common.spanGaps = false; // a missing month is a gap, not a straight line across it
    common.order = 2;
    return common;
  }

  // The legend shows what is drawn: a line for a line, the marker for markers, a box for bars.
  function legendLabels(chart) {
    var items = window.Chart.defaults.plugins.legend.labels.generateLabels(chart);
    items.forEach(function (item) {
      var ds = chart.data.datasets[item.datasetIndex];
      if (!ds) {
        return;
      }
      if (ds.beaconType === "points") {
        item.pointStyle = ds.pointStyle;
        item.strokeStyle = "#0b0c0c";
      } else if (ds.beaconType === "bar") {
        item.pointStyle = "rect";
      } else {
        item.pointStyle = "line";
        item.lineWidth = 3;
        item.lineDash = ds.borderDash || [];
      }
    });
    return items;
  }

  function chartConfig(spec) {
    var xType = (spec.x && spec.x.type) || "category";
    var xFormat = formatter(spec.x && spec.x.format);
    var yFormat = formatter(spec.y && spec.y.format);
    var kind = spec.kind === "bar" ? "bar" : "line";
    var datasets = (spec.series || []).map(dataset);
    if (!datasets.length) {
      throw new Error("it has no series");
    }
    return {
      type: kind,
      data: { labels: xType === "category" ? spec.labels || [] : undefined, datasets: datasets },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false, // the wrapper's CSS height decides
        locale: "en-GB",
        interaction:
          xType === "linear"
            ? { mode: "nearest", axis: "x", intersect: false }
            : { mode: "index", intersect: false },
        scales: { x: axis(spec.x, "category"), y: axis(spec.y, "linear") },
        plugins: {
          legend: {
            position: "top",
            labels: {
              usePointStyle: true,
              boxWidth: 24,
              generateLabels: legendLabels,
              // `order` sets drawing depth only: list the series as the spec gives them.
              sort: function (a, b) {
                return a.datasetIndex - b.datasetIndex;
              },
            },
          },
          tooltip: {
            itemSort: function (a, b) {
              return a.datasetIndex - b.datasetIndex;
            },
            filter: function (item) {
              var y = item.parsed && item.parsed.y;
              return y !== null && y !== undefined && !isNaN(y);
            },
            callbacks: {
              title: function (items) {
                if (!items.length) {
                  return "";
                }
                return xType === "linear" ? xFormat(items[0].parsed.x) : items[0].label;
              },
              label: function (item) {
                var name = item.dataset.label ? item.dataset.label + ": " : "";
                return name + yFormat(item.parsed.y);
              },
            },
          },
        },
      },
    };
  }

  function failChart(canvas, error) {
    var wrap = canvas.parentNode;
    canvas.setAttribute("data-chart-ready", "false");
    canvas.classList.add("beacon-chart--failed");
    if (wrap && wrap.classList && wrap.classList.contains("beacon-chart-wrap")) {
      wrap.classList.add("beacon-chart-wrap--failed");
    }
    var note = message("The chart could not be drawn: " + error.message + FALLBACK);
    (wrap || canvas).parentNode.insertBefore(note, (wrap || canvas).nextSibling);
  }

  function initChart(canvas) {
    if (canvas.hasAttribute("data-chart-ready") || canvas._beaconStarted) {
      return;
    }
    canvas._beaconStarted = true;
    try {
      if (!window.Chart) {
        throw new Error("the chart library (Chart.js) did not load");
      }
      new window.Chart(canvas, chartConfig(readIsland(canvas.getAttribute("data-chart"))));
      canvas.setAttribute("data-chart-ready", "true");
    } catch (error) {
      failChart(canvas, error);
    }
  }

  // ------------------------------------------------------------------------------------------

  function init(root) {
    if (!root || !root.querySelectorAll) {
      return;
    }
    if (window.Chart) {
      window.Chart.defaults.font.family = FONT;
      window.Chart.defaults.font.size = 14;
      window.Chart.defaults.color = "#0b0c0c";
    }
    var maps = root.querySelectorAll(".beacon-map[data-map]");
    for (var i = 0; i < maps.length; i++) {
      initMap(maps[i]);
    }
    var charts = root.querySelectorAll("canvas.beacon-chart[data-chart]");
    for (var j = 0; j < charts.length; j++) {
      initChart(charts[j]);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () {
      init(document);
    });
  } else {
    init(document);
  }
  // Figures inside content swapped in by htmx.
  document.addEventListener("htmx:load", function (event) {
    init(event.detail && event.detail.elt);
  });
})();
