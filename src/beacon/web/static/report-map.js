/*
 * The resident report form's enhancements. The form works completely without this file: every
 * option's questions are visible and grouped under their answer, and the map option is hidden.
 *
 * With JavaScript:
 * - radios reveal only the questions for the chosen answer (GOV.UK "conditional reveal",
 *   with aria-controls; ARIA does not allow aria-expanded on radios), and the date questions follow "When did it happen?";
 * - a map of the partnership's local area boundaries (Beacon's own /report/areas.geojson,
 *   drawn by Leaflet served from /static: no map tiles, no request to any other site) lets the
 *   resident click where it happened, which fills the hidden latitude/longitude inputs.
 */
(function () {
  "use strict";

  var form = document.getElementById("report-form");
  if (!form) {
    return;
  }
  var HIDDEN = "govuk-!-display-none";
  var map = null;
  var layer = null;
  var marker = null;

  function checkedValue(name) {
    var checked = form.querySelector('input[name="' + name + '"]:checked');
    return checked ? checked.value : null;
  }

  function syncConditionals() {
    var inputs = form.querySelectorAll("input[data-aria-controls]");
    for (var i = 0; i < inputs.length; i++) {
      var input = inputs[i];
      var target = document.getElementById(input.getAttribute("data-aria-controls"));
      if (!target) {
        continue;
      }
      input.setAttribute("aria-controls", target.id);
      if (target.hasAttribute("data-portal-map-option") && !map) {
        continue; // the map option stays hidden until the map is ready
      }
      target.classList.toggle(HIDDEN, !input.checked);
    }
    var shown = form.querySelectorAll("[data-portal-show]");
    for (var j = 0; j < shown.length; j++) {
      var rule = shown[j].getAttribute("data-portal-show").split(":");
      var value = checkedValue(rule[0]);
      var visible = value === null || rule[1].split(",").indexOf(value) !== -1;
      shown[j].classList.toggle(HIDDEN, !visible);
    }
    if (map && checkedValue("location_mode") === "point") {
      map.invalidateSize();
      if (!marker && layer) {
        map.fitBounds(layer.getBounds());
      }
    }
  }

  form.addEventListener("change", function (event) {
    if (event.target && event.target.type === "radio") {
      syncConditionals();
    }
  });
  syncConditionals();

  // ------------------------------------------------------------------------------------------
  // The map

  var container = document.getElementById("report-map");
  var latitude = document.getElementById("latitude");
  var longitude = document.getElementById("longitude");
  var status = document.getElementById("report-map-status");
  var pointRadio = document.getElementById("location_mode-point");
  if (!container || !window.L || !window.fetch || !latitude || !longitude) {
    return;
  }

  function showPoint(latlng) {
    if (marker) {
      marker.setLatLng(latlng);
    } else {
      marker = window.L.circleMarker(latlng, {
        radius: 9,
        color: "#d4351c",
        weight: 3,
        fillColor: "#d4351c",
        fillOpacity: 0.5,
        interactive: false,
      }).addTo(map);
    }
  }

  function choose(latlng) {
    latitude.value = latlng.lat.toFixed(6);
    longitude.value = latlng.lng.toFixed(6);
    showPoint(latlng);
    if (pointRadio && !pointRadio.checked) {
      pointRadio.checked = true;
      syncConditionals();
    }
    if (status) {
      status.textContent = "You chose a place on the map. Click or tap again to move it.";
    }
  }

  function start(collection) {
    if (!collection || !collection.features || collection.features.length === 0) {
      return; // nothing to draw: the map option stays hidden
    }
    var options = form.querySelectorAll("[data-portal-map-option]");
    for (var i = 0; i < options.length; i++) {
      options[i].classList.remove(HIDDEN);
    }
    container.style.height = "360px";
    map = window.L.map(container, {
      attributionControl: false,
      zoomSnap: 0.5,
      minZoom: 8,
      maxZoom: 18,
    });
    layer = window.L.geoJSON(collection, {
      style: function () {
        return { color: "#12263f", weight: 1, fillColor: "#1d70b8", fillOpacity: 0.08 };
      },
    }).addTo(map);
    layer.on("click", function (event) {
      choose(event.latlng);
    });
    map.fitBounds(layer.getBounds());
    var lat = parseFloat(latitude.value);
    var lng = parseFloat(longitude.value);
    if (isFinite(lat) && isFinite(lng)) {
      showPoint(window.L.latLng(lat, lng));
      map.setView([lat, lng], 15);
    }
    syncConditionals(); // now hide the map again unless its option is the chosen one
  }

  window
    .fetch(container.getAttribute("data-areas"), {
      credentials: "omit",
      headers: { Accept: "application/geo+json" },
    })
    .then(function (response) {
      return response.ok ? response.json() : null;
    })
    .then(start)
    .catch(function () {
      // No map: the other ways of saying where still work.
    });
})();
