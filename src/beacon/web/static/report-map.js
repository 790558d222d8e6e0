/*
 * The resident report form's enhancements. The form works completely without this file: every
 * option's questions are visible and grouped under their answer, and the map option is hidden.
 *
 * With JavaScript:
 * - radios reveal only the questions for the chosen answer (GOV.UK "conditional reveal",
 *   with aria-controls; ARIA does not allow aria-expanded on radios), and the date questions
 *   follow "When did it happen?" (shown only for "On one day" and "Over a period of time");
 * - the description counts its characters as they are typed (GOV.UK "character count"): the
 *   limit the server enforces, and how many are left or too many;
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
  // Character count

  function characterCount(wrapper) {
    var limit = parseInt(wrapper.getAttribute("data-maxlength"), 10);
    var textarea = wrapper.querySelector("textarea");
    var info = wrapper.querySelector(".govuk-character-count__message");
    var status = wrapper.querySelector("[aria-live]");
    if (!textarea || !info || !isFinite(limit)) {
      return;
    }
    var timer = null;
    function describe() {
      // Code points, as the server counts them; line breaks count once (the server turns the
      // browser's CRLF back into one character).
      var used = Array.from(textarea.value.trim()).length;
      var left = limit - used;
      var number = Math.abs(left).toLocaleString("en-GB");
      if (left >= 0) {
        return "You have " + number + " character" + (left === 1 ? "" : "s") + " remaining";
      }
      return "You have " + number + " character" + (left === -1 ? "" : "s") + " too many";
    }
    function update() {
      var text = describe();
      var over = Array.from(textarea.value.trim()).length > limit;
      info.textContent = text;
      info.classList.toggle("govuk-error-message", over);
      info.classList.toggle("govuk-hint", !over);
      var serverError = wrapper.classList.contains("govuk-form-group--error");
      textarea.classList.toggle("govuk-textarea--error", over || serverError);
      if (status) {
        // Screen readers hear the count once typing pauses, not at every key.
        window.clearTimeout(timer);
        timer = window.setTimeout(function () {
          status.textContent = text;
        }, 1000);
      }
    }
    textarea.addEventListener("input", update);
    update();
  }

  var counts = form.querySelectorAll('[data-module="govuk-character-count"]');
  for (var c = 0; c < counts.length; c++) {
    characterCount(counts[c]);
  }

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
