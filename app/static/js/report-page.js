/* Report a problem: tap the map (or "Use my location") to place the pin, which fills the hidden
   lat/lon inputs; with a pin and a category, offer nearby open problems of the same category
   ("Already reported?") that the resident can like instead of reporting again. */
(function () {
  "use strict";

  var CF = window.Commonfix;
  var frame = document.querySelector("[data-cf-map]");
  var map = CF.mapOf(frame);
  if (!map) {
    return;
  }
  var latInput = document.getElementById("lat");
  var lonInput = document.getElementById("lon");
  var category = document.getElementById("category");
  var status = document.getElementById("place-status");
  var locate = document.getElementById("use-location");
  var panel = document.getElementById("suggestions");
  var intro = document.getElementById("suggestions-intro");
  var list = document.getElementById("suggestions-list");
  var template = document.getElementById("suggestion-template");

  CF.addAreaOutlines(map);
  map.getContainer().classList.add("is-pickable");

  var marker = null;

  function place(latlng, how) {
    var lat = Number(latlng.lat.toFixed(6));
    var lon = Number(latlng.lng.toFixed(6));
    if (!marker) {
      marker = L.marker([lat, lon], { draggable: true, keyboard: false, title: "The problem is here" }).addTo(map);
      marker.on("dragend", function () {
        place(marker.getLatLng(), "moved");
      });
    } else {
      marker.setLatLng([lat, lon]);
    }
    latInput.value = String(lat);
    lonInput.value = String(lon);
    frame.setAttribute("data-pin", lat + "," + lon);
    status.classList.remove("is-error");
    status.textContent = (how === "located" ? "Pin placed at your location" : "Pin placed") + " (" + lat.toFixed(5) + ", " + lon.toFixed(5) + ").";
    suggest();
  }

  map.on("click", function (event) {
    place(event.latlng, "tapped");
  });

  /* After a server-side error the form comes back with the pin's coordinates: show it again. */
  if (latInput.value && lonInput.value && !isNaN(Number(latInput.value)) && !isNaN(Number(lonInput.value))) {
    var back = L.latLng(Number(latInput.value), Number(lonInput.value));
    map.setView(back, Math.max(map.getZoom(), 16));
    place(back, "restored");
  }

  var GEO_ERRORS = {
    1: "Location access was refused. Allow it in your browser settings, or tap the map to place the pin.",
    2: "Your location could not be found right now. Tap the map to place the pin instead.",
    3: "Finding your location took too long. Try again, or tap the map to place the pin."
  };

  function showPlaceError(message) {
    status.textContent = message;
    status.classList.add("is-error");
  }

  locate.addEventListener("click", function () {
    if (!("geolocation" in navigator) || !window.isSecureContext) {
      showPlaceError("This browser cannot share your location here. Tap the map to place the pin instead.");
      return;
    }
    locate.disabled = true;
    status.classList.remove("is-error");
    status.textContent = "Finding your location\u2026";
    navigator.geolocation.getCurrentPosition(
      function (position) {
        locate.disabled = false;
        var here = L.latLng(position.coords.latitude, position.coords.longitude);
        map.setView(here, 17);
        place(here, "located");
      },
      function (error) {
        locate.disabled = false;
        showPlaceError(GEO_ERRORS[error.code] || "Your location is not available. Tap the map to place the pin instead.");
      },
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
    );
  });

  /* "Already reported?": up to 5 open problems of the chosen category near the pin. */
  var pending = null;

  function fill(node, selector, text) {
    var target = node.querySelector(selector);
    target.textContent = text;
    return target;
  }

  function reportedOn(isoTimestamp) {
    var date = new Date(isoTimestamp);
    if (isNaN(date.getTime())) {
      return isoTimestamp.slice(0, 10);
    }
    return date.toLocaleDateString("en-GB", { day: "numeric", month: "short", year: "numeric" });
  }

  function suggestionItem(feature) {
    var p = feature.properties;
    var item = template.content.firstElementChild.cloneNode(true);
    var link = fill(item, ".suggestion__title", p.title);
    link.href = p.url;
    link.setAttribute("aria-label", p.title + " (opens in a new tab)");
    fill(item, ".suggestion__meta", p.distance_m + " m away \u00b7 " + p.status_name + " \u00b7 reported " + reportedOn(p.created_at));
    var block = item.querySelector(".suggestion__like");
    block.className += " like";
    block.setAttribute("data-like-issue", String(p.id));
    block.setAttribute("data-liked", p.liked_by_me ? "true" : "false");
    block.setAttribute("data-api-url", "/api/v1/issues/" + p.id + "/like");
    var count = block.querySelector(".like-count");
    count.innerHTML = "<strong data-like-count></strong> <span data-like-word></span>";
    var error = document.createElement("p");
    error.className = "like__error";
    error.setAttribute("role", "alert");
    error.hidden = true;
    block.appendChild(error);
    list.appendChild(item);
    CF.setLikeState(block, p.likes, Boolean(p.liked_by_me));
  }

  function suggest() {
    if (!latInput.value || !lonInput.value || !category.value) {
      panel.hidden = true;
      return;
    }
    if (pending) {
      pending.abort();
    }
    pending = window.AbortController ? new AbortController() : null;
    var params = new URLSearchParams({ lat: latInput.value, lon: lonInput.value, category: category.value });
    CF.api("GET", "/api/v1/issues/suggestions?" + params.toString(), { signal: pending && pending.signal })
      .then(function (collection) {
        var features = collection.features || [];
        var categoryName = category.options[category.selectedIndex].text;
        list.textContent = "";
        panel.hidden = false;
        panel.classList.toggle("is-empty", features.length === 0);
        if (!features.length) {
          intro.textContent = "No open \u201c" + categoryName + "\u201d problems within " + collection.radius_m + " m. Go ahead and report it.";
          return;
        }
        intro.textContent =
          (features.length === 1 ? "This open problem" : "These " + features.length + " open problems") +
          " of the same category " + (features.length === 1 ? "is" : "are") + " within " + collection.radius_m +
          " m. If one is yours, like it instead of reporting it again: likes move it up the priorities.";
        features.forEach(suggestionItem);
        CF.announce(features.length === 1 ? "1 similar problem is already reported nearby." : features.length + " similar problems are already reported nearby.");
      })
      .catch(function (problem) {
        if (problem.name === "AbortError") {
          return;
        }
        panel.hidden = false;
        list.textContent = "";
        intro.textContent = "Nearby reports could not be checked: " + problem.message;
      });
  }

  category.addEventListener("change", suggest);
})();
