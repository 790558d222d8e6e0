/*
 * The staff report page's small map of the report's place: the reporter's pin (when there is
 * one) over the report's LSOA boundary (when boundaries are imported). Everything it draws is
 * in the element's data attributes: no tiles, no request to any other site. Without
 * JavaScript or Leaflet the page still says where, in words.
 */
(function () {
  "use strict";

  var container = document.getElementById("report-place-map");
  if (!container || !window.L) {
    return;
  }
  var outline = null;
  try {
    outline = container.getAttribute("data-outline")
      ? JSON.parse(container.getAttribute("data-outline"))
      : null;
  } catch (error) {
    outline = null;
  }
  var lat = parseFloat(container.getAttribute("data-latitude"));
  var lng = parseFloat(container.getAttribute("data-longitude"));
  var pin = isFinite(lat) && isFinite(lng);
  if (!pin && !(outline && outline.features && outline.features.length)) {
    return;
  }
  container.classList.add("triage-map--drawn");
  var map = window.L.map(container, {
    attributionControl: false,
    scrollWheelZoom: false,
    zoomSnap: 0.5,
  });
  var bounds = null;
  if (outline && outline.features && outline.features.length) {
    var layer = window.L.geoJSON(outline, {
      interactive: false,
      style: function () {
        return { color: "#12263f", weight: 2, fillColor: "#1d70b8", fillOpacity: 0.1 };
      },
    }).addTo(map);
    bounds = layer.getBounds();
  }
  if (pin) {
    window.L.circleMarker([lat, lng], {
      radius: 8,
      color: "#d4351c",
      weight: 3,
      fillColor: "#d4351c",
      fillOpacity: 0.5,
      interactive: false,
    }).addTo(map);
    if (bounds) {
      bounds.extend([lat, lng]);
    }
  }
  if (bounds) {
    map.fitBounds(bounds, { padding: [12, 12], maxZoom: 16 });
  } else {
    map.setView([lat, lng], 15);
  }
})();
