/*
 * The partner intelligence form's enhancements (/intake/new). The form works completely
 * without this file: its sections are <details>, the coordinates are typed, and "Find" and
 * "Use this place" post the whole form, which comes back with every value kept.
 *
 * With JavaScript:
 * - "Show all sections" / "Hide all sections" opens or folds every section at once;
 * - a map of the partnership's local area (LSOA) boundaries (Beacon's own
 *   /report/areas.geojson, drawn by Leaflet served from /static: no map tiles, no request to any
 *   other site) sets the point where something happened, and shows a typed or found one;
 * - "Find" looks the postcode or street up without leaving the page (a POST with the form's
 *   CSRF token, so what is looked for is in no URL), and "Use" fills in the answers.
 */
(function () {
  "use strict";

  var form = document.getElementById("partner-form");
  if (!form) {
    return;
  }
  var HIDDEN = "govuk-!-display-none";

  function changed(input) {
    // Let forms.js (conditional reveal) follow a value set here.
    input.dispatchEvent(new Event("change", { bubbles: true }));
  }

  // ------------------------------------------------------------------------------------------
  // Show or hide every section

  var sections = form.querySelectorAll("details.beacon-fold");
  var foldAll = document.getElementById("fold-all");
  var foldControls = document.getElementById("fold-controls");

  function syncFoldButton() {
    var allOpen = true;
    for (var i = 0; i < sections.length; i++) {
      allOpen = allOpen && sections[i].open;
    }
    foldAll.textContent = allOpen ? "Hide all sections" : "Show all sections";
    foldAll.setAttribute("aria-expanded", allOpen ? "true" : "false");
    return allOpen;
  }

  if (foldAll && foldControls && sections.length) {
    foldAll.addEventListener("click", function () {
      var open = !syncFoldButton();
      for (var i = 0; i < sections.length; i++) {
        sections[i].open = open;
      }
      syncFoldButton();
    });
    for (var s = 0; s < sections.length; s++) {
      sections[s].addEventListener("toggle", syncFoldButton);
    }
    syncFoldButton();
    foldControls.classList.remove(HIDDEN);
  }

  // ------------------------------------------------------------------------------------------
  // The map

  var latitude = document.getElementById("latitude");
  var longitude = document.getElementById("longitude");
  var container = document.getElementById("partner-map");
  var wrap = document.getElementById("partner-map-wrap");
  var status = document.getElementById("partner-map-status");
  var pointRadio = form.querySelector('input[name="location_mode"][value="point"]');
  var map = null;
  var layer = null;
  var marker = null;

  function showPoint(lat, lng, zoom) {
    if (!map) {
      return;
    }
    var latlng = window.L.latLng(lat, lng);
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
    if (zoom) {
      map.setView(latlng, zoom);
    }
  }

  function typedPoint() {
    var lat = parseFloat(latitude.value);
    var lng = parseFloat(longitude.value);
    return isFinite(lat) && isFinite(lng) ? [lat, lng] : null;
  }

  function refresh() {
    if (map) {
      map.invalidateSize();
      var point = typedPoint();
      if (!point && layer) {
        map.fitBounds(layer.getBounds());
      }
    }
  }

  function choosePoint(lat, lng, words) {
    latitude.value = lat.toFixed(6);
    longitude.value = lng.toFixed(6);
    if (pointRadio && !pointRadio.checked) {
      pointRadio.checked = true;
      changed(pointRadio);
    }
    showPoint(lat, lng, null);
    if (status) {
      status.textContent = words;
    }
  }

  function startMap(collection) {
    if (!collection || !collection.features || collection.features.length === 0) {
      return; // nothing to draw: the coordinates are typed
    }
    wrap.classList.remove(HIDDEN);
    map = window.L.map(container, {
      attributionControl: false,
      zoomSnap: 0.5,
      minZoom: 7,
      maxZoom: 18,
    });
    layer = window.L.geoJSON(collection, {
      interactive: false,
      style: function () {
        return { color: "#12263f", weight: 1, fillColor: "#1d70b8", fillOpacity: 0.06 };
      },
    }).addTo(map);
    map.fitBounds(layer.getBounds());
    map.on("click", function (event) {
      choosePoint(
        event.latlng.lat,
        event.latlng.lng,
        "The point is set. Click or tap again to move it."
      );
    });
    var point = typedPoint();
    if (point) {
      showPoint(point[0], point[1], 15);
    }
  }

  if (container && wrap && latitude && longitude && window.L && window.fetch) {
    [latitude, longitude].forEach(function (input) {
      input.addEventListener("change", function () {
        var point = typedPoint();
        if (point) {
          showPoint(point[0], point[1], 15);
        }
      });
    });
    // A map drawn while hidden has no size: measure again whenever it may have appeared.
    form.addEventListener("change", function () {
      window.setTimeout(refresh, 0);
    });
    for (var d = 0; d < sections.length; d++) {
      sections[d].addEventListener("toggle", refresh);
    }
    window
      .fetch(container.getAttribute("data-areas"), {
        credentials: "omit",
        headers: { Accept: "application/geo+json" },
      })
      .then(function (response) {
        return response.ok ? response.json() : null;
      })
      .then(startMap)
      .catch(function () {
        // No map: the coordinates are typed.
      });
  }

  // ------------------------------------------------------------------------------------------
  // Finding a postcode or street

  var query = document.getElementById("place_query");
  var find = document.getElementById("find-place");
  var results = document.getElementById("place-results");
  var token = form.querySelector('input[name="csrf_token"]');
  if (!query || !find || !results || !token || !window.fetch || !window.FormData) {
    return;
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text) {
      node.textContent = text; // never HTML: the answers are shown as text
    }
    return node;
  }

  function setMode(value) {
    var radio = form.querySelector('input[name="location_mode"][value="' + value + '"]');
    if (radio && !radio.checked) {
      radio.checked = true;
      changed(radio);
    }
  }

  function use(place) {
    var words = place.label + " (" + place.detail + ")";
    if (place.kind === "postcode") {
      setMode("postcode");
      document.getElementById("postcode").value = place.postcode;
      if (place.latitude !== null && place.longitude !== null) {
        showPoint(place.latitude, place.longitude, 15);
      }
    } else {
      var text = document.getElementById("location_text");
      if (text && !text.value.trim()) {
        text.value = place.location_text;
      }
      choosePoint(place.latitude, place.longitude, "The point is set at " + words + ".");
      setMode("point");
      window.setTimeout(function () {
        refresh();
        showPoint(place.latitude, place.longitude, 16);
      }, 0);
    }
    show(
      { message: "Using " + words + ": check the answers below.", places: [] },
      "govuk-inset-text"
    );
  }

  function show(answer, messageClass) {
    results.textContent = "";
    results.appendChild(element("p", messageClass || "govuk-body", answer.message));
    if (!answer.places || !answer.places.length) {
      return;
    }
    var list = element("ul", "govuk-list beacon-place-list");
    answer.places.forEach(function (place) {
      var item = element("li", "beacon-place-list__item");
      var words = element("span", "beacon-place-list__words");
      words.appendChild(element("strong", "", place.label));
      words.appendChild(element("span", "govuk-hint beacon-place-list__detail", place.detail));
      var button = element(
        "button",
        "govuk-button govuk-button--secondary govuk-!-margin-bottom-0",
        "Use"
      );
      button.type = "button";
      button.setAttribute("aria-label", "Use " + place.label + ", " + place.detail);
      button.addEventListener("click", function () {
        use(place);
      });
      item.appendChild(words);
      item.appendChild(button);
      list.appendChild(item);
    });
    results.appendChild(list);
  }

  function lookUp(event) {
    event.preventDefault();
    var body = new FormData();
    body.append("csrf_token", token.value);
    body.append("place_query", query.value);
    find.disabled = true;
    window
      .fetch("/intake/new/place", {
        method: "POST",
        body: body,
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("lookup failed");
        }
        return response.json();
      })
      .then(function (answer) {
        show(answer);
      })
      .catch(function () {
        show({ message: "The place could not be looked up. Try again, or fill in the answers below.", places: [] });
      })
      .then(function () {
        find.disabled = false;
      });
  }

  find.addEventListener("click", lookUp);
  query.addEventListener("keydown", function (event) {
    if (event.key === "Enter") {
      lookUp(event);
    }
  });
})();
