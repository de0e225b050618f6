/* Report a problem: find the street (place-search.js) or use your location, then tap the map to place the
   pin, which fills the hidden lat/lon inputs. The map opens at street zoom on the resident's location when
   the browser already may share it; a tap at city zoom zooms in first, so the pin lands where meant.
   Open problems nearby show as small pins while placing (tap one to like it instead; a tap beside its
   popup only closes it); the pin can be dragged, or focused and nudged with the arrow keys (Shift for
   bigger steps). With a keyboard, Enter on the focused map puts the pin under the cross at its
   centre. With a pin and a category, nearby open problems of the same category are offered
   ("Already reported?"). */
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
  var STREET_ZOOM = 17;
  var PLACING_ZOOM = 16; /* below this a tap zooms in instead of placing the pin */
  var NUDGE_PX = { normal: 4, big: 24 };
  var ARROWS = { ArrowUp: [0, -1], ArrowDown: [0, 1], ArrowLeft: [-1, 0], ArrowRight: [1, 0] };

  function nudge(event) {
    var step = ARROWS[event.key];
    if (!step || !marker) {
      return;
    }
    event.preventDefault();
    event.stopPropagation();
    var px = event.shiftKey ? NUDGE_PX.big : NUDGE_PX.normal;
    var point = map.latLngToContainerPoint(marker.getLatLng()).add([step[0] * px, step[1] * px]);
    place(map.containerPointToLatLng(point), "nudged");
  }

  function place(latlng, how) {
    var lat = Number(latlng.lat.toFixed(6));
    var lon = Number(latlng.lng.toFixed(6));
    if (!marker) {
      marker = L.marker([lat, lon], { draggable: true, keyboard: true, title: "The problem is here", alt: "The problem is here: drag, or use the arrow keys, to move" }).addTo(map);
      marker.on("dragend", function () {
        place(marker.getLatLng(), "moved");
      });
      var icon = marker.getElement();
      icon.setAttribute("role", "button");
      icon.setAttribute("aria-label", "The problem's pin: use the arrow keys to move it, Shift for bigger steps");
      icon.setAttribute("data-report-pin", "");
      icon.addEventListener("keydown", nudge);
    } else {
      marker.setLatLng([lat, lon]);
    }
    latInput.value = String(lat);
    lonInput.value = String(lon);
    lonInput.dispatchEvent(new Event("change", { bubbles: true })); /* the kept draft follows (report-draft.js) */
    frame.setAttribute("data-pin", lat + "," + lon);
    status.classList.remove("is-error");
    var said = { located: "Pin placed at your location", nudged: "Pin moved", centre: "Pin placed under the cross" };
    status.textContent = (said[how] || "Pin placed") + " (" + lat.toFixed(5) + ", " + lon.toFixed(5) + ").";
    warnOutside(lat, lon, status.getAttribute("data-outside"), function () {
      return latInput.value === String(lat) && lonInput.value === String(lon); /* the pin is still there */
    });
    if (how !== "nudged") {
      suggest();
    } else {
      suggestSoon();
    }
  }

  /* A pin outside every neighbourhood (often "Use my location" away from the city) is said at once, in
     the server's words, rather than only when the form is sent: /api/v1/areas/at answers with the
     check a report gets (services/issues/reports.area_at). So is a map opened on a resident who is
     outside the city. `stillMeant` says whether the point is still the one the status speaks of. */
  function warnOutside(lat, lon, message, stillMeant) {
    var params = new URLSearchParams({ lat: String(lat), lon: String(lon) });
    CF.api("GET", "/api/v1/areas/at?" + params.toString())
      .then(function (found) {
        if (found.area === null && stillMeant()) {
          status.classList.add("is-error");
          status.textContent = message;
        }
      })
      .catch(function () {});
  }

  /* A tap while a nearby problem's popup is open only closes it, as Leaflet's closePopupOnClick users
     expect; the next tap places the pin. Leaflet closes the popup on "preclick", just before "click":
     this listener, added before any popup opens, runs first and notes whether one was open. Every tap
     on the map fires "preclick" (a tap on a nearby pin too), so the note is always fresh. */
  var popupOpen = false; /* a nearby problem's popup is open (set below, with the nearby pins) */
  var tapClosesPopup = false;
  map.on("preclick", function () {
    tapClosesPopup = popupOpen;
  });

  map.on("click", function (event) {
    if (tapClosesPopup) {
      tapClosesPopup = false;
      return;
    }
    if (map.getZoom() < PLACING_ZOOM) {
      map.setView(event.latlng, STREET_ZOOM);
      status.classList.remove("is-error");
      status.textContent = "Zoomed in: now tap exactly where the problem is.";
      return;
    }
    place(event.latlng, "tapped");
  });

  /* Without a pointer (found from outside: a keyboard could not place the pin at all): the map takes the
     focus (Leaflet moves it with the arrow keys, + and - zoom), shows a cross at its centre
     (css/report-map.css), and Enter or Space puts the pin under the cross, zooming in first at city
     zoom as a tap does. Keys on a pin or a popup inside the map are theirs. */
  map.getContainer().addEventListener("keydown", function (event) {
    if (event.target !== map.getContainer() || (event.key !== "Enter" && event.key !== " ")) {
      return;
    }
    event.preventDefault();
    status.classList.remove("is-error");
    if (map.getZoom() < PLACING_ZOOM) {
      map.setView(map.getCenter(), STREET_ZOOM);
      status.textContent = "Zoomed in: move the map with the arrow keys until the cross is on the problem, then press Enter.";
      return;
    }
    place(map.getCenter(), "centre");
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

  var asked = false; /* the resident pressed "Use my location": its answer, not the opening view's, speaks */
  locate.addEventListener("click", function () {
    asked = true;
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
    return date.toLocaleDateString("en-GB", { day: "numeric", month: "long", year: "numeric" });  // as the pages write dates
  }

  function suggestionItem(feature) {
    var p = feature.properties;
    var item = template.content.firstElementChild.cloneNode(true);
    var link = fill(item, ".suggestion__title", p.title);
    link.href = CF.onThisSite(p.url);
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
          (features.length === 1
            ? " m. If it is yours, like it instead of reporting it again: likes move it up the priorities."
            : " m. If one is yours, like it instead of reporting it again: likes move it up the priorities.");
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
  var suggestSoon = CF.debounce(suggest, 400);

  /* Open problems near where the resident is looking, as small pins under the report's own pin. */
  var NEARBY_ZOOM = 15;
  var nearby = L.layerGroup().addTo(map);
  var nearbyRequest = null;
  var shownIds = "";
  /* Under an open popup no nearby pin is redrawn (that would close it under the resident's finger,
     e.g. when its pan into view brings more problems in): an answer that comes meanwhile waits until
     it closes, as on the map page. (popupOpen is declared above, beside the map's tap.) */
  var waitingAnswer = null;

  map.on("popupopen", function () {
    popupOpen = true;
  });
  map.on("popupclose", function () {
    popupOpen = false;
    if (waitingAnswer) {
      var answer = waitingAnswer;
      waitingAnswer = null;
      drawNearby(answer);
    }
  });

  function nearbyIcon(statusType) {
    var known = CF.STATUS[statusType] ? statusType : "open";
    return L.divIcon({
      className: "cf-pin cf-pin--nearby cf-pin--" + known,
      html: '<span class="cf-pin__glyph" aria-hidden="true">' + (CF.STATUS[known] || CF.STATUS.open).glyph + "</span>",
      iconSize: [22, 22],
      iconAnchor: [11, 11],
      popupAnchor: [0, -10]
    });
  }

  function nearbyPopup(p) {
    var box = document.createElement("div");
    box.className = "cf-popup";
    var title = document.createElement("a");
    title.className = "cf-popup__title";
    title.href = CF.onThisSite(p.url);
    title.target = "_blank";
    title.rel = "noopener";
    title.textContent = p.title;
    title.dir = "auto"; /* a Hebrew or Arabic title reads right to left */
    title.setAttribute("aria-label", p.title + " (opens in a new tab)");
    var meta = document.createElement("p");
    meta.className = "cf-popup__meta";
    meta.setAttribute("data-status", p.status_name);
    var block = document.createElement("div");
    block.className = "like";
    block.setAttribute("data-like-issue", String(p.id));
    block.setAttribute("data-api-url", "/api/v1/issues/" + p.id + "/like");
    block.innerHTML = '<span class="like-count"><strong data-like-count></strong> <span data-like-word></span></span> ' +
      '<button type="button" class="button button--like" data-like-toggle></button><p class="like__error" role="alert" hidden></p>';
    box.appendChild(title);
    box.appendChild(meta);
    box.appendChild(block);
    paintLike(block, p.likes, Boolean(p.liked_by_me));
    showOwnLike(block, p.id);
    return box;
  }

  /* A popup's like block, which may not be in the page yet (CF.setLikeState updates the copies in it). */
  function paintLike(block, likes, liked) {
    /* The line above the block says what to do: like it, or (found from outside) that you do already. */
    var meta = block.parentNode && block.parentNode.querySelector(".cf-popup__meta");
    if (meta) {
      meta.textContent = meta.getAttribute("data-status") + (liked
        ? " · already reported, and you like it: no need to report it again."
        : " · already reported. Like it instead of reporting it again:");
    }
    block.setAttribute("data-liked", liked ? "true" : "false");
    block.querySelector("[data-like-count]").textContent = Number(likes).toLocaleString("en");
    block.querySelector("[data-like-word]").textContent = likes === 1 ? "like" : "likes";
    block.querySelector("button").textContent = liked ? "Unlike" : "Like";
  }

  /* The map's list is the same answer for everyone, so it does not say what this resident likes: the
     problem's own answer does (found from outside: a problem the resident liked offered "Like"). The
     button waits for it. */
  function showOwnLike(block, id) {
    var button = block.querySelector("button");
    button.disabled = true;
    fetch("/api/v1/issues/" + id, { credentials: "same-origin", headers: { Accept: "application/geo+json" } })
      .then(function (answer) { return answer.ok ? answer.json() : null; })
      .then(function (feature) {
        if (!feature || !feature.properties) return;
        var liked = Boolean(feature.properties.liked_by_me);
        paintLike(block, feature.properties.likes, liked);
        CF.setLikeState(block, feature.properties.likes, liked); /* and its copies in the page */
      })
      .catch(function () { /* the list's state stays */ })
      .then(function () { button.disabled = false; });
  }

  function loadNearby() {
    if (map.getZoom() < NEARBY_ZOOM) {
      waitingAnswer = null;
      nearby.clearLayers();
      shownIds = "";
      frame.setAttribute("data-nearby-pins", "0");
      return;
    }
    if (nearbyRequest) {
      nearbyRequest.abort();
    }
    nearbyRequest = window.AbortController ? new AbortController() : null;
    var b = map.getBounds();
    var params = new URLSearchParams({
      bbox: [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (v) { return v.toFixed(6); }).join(","),
      status: "open",
      per_page: "200"
    });
    CF.api("GET", "/api/v1/issues?" + params.toString(), { signal: nearbyRequest && nearbyRequest.signal })
      .then(function (collection) {
        if (popupOpen) {
          waitingAnswer = collection;
          return;
        }
        drawNearby(collection);
      })
      .catch(function (problem) {
        if (problem.name !== "AbortError") {
          frame.setAttribute("data-nearby-pins", "error");
        }
      });
  }

  function drawNearby(collection) {
    var features = collection.features || [];
    var ids = features.map(function (f) { return f.id; }).join(",");
    if (ids === shownIds) {
      return;
    }
    shownIds = ids;
    nearby.clearLayers();
    features.forEach(function (feature) {
      var c = feature.geometry.coordinates;
      var pin = L.marker([c[1], c[0]], {
        icon: nearbyIcon(feature.properties.status_type),
        title: feature.properties.title + " (already reported)",
        alt: feature.properties.title,
        zIndexOffset: -1000
      });
      /* Sized to the map as the map page's popups are, and panned clear of the zoom buttons (top left):
         this listener, added before bindPopup's own, runs just before the popup opens. */
      pin.on("click keypress", function () {
        CF.fitPopup(pin.getPopup(), map);
      });
      pin.bindPopup(function () { return nearbyPopup(feature.properties); });
      nearby.addLayer(pin);
    });
    frame.setAttribute("data-nearby-pins", String(features.length));
  }

  map.on("moveend", CF.debounce(loadNearby, 200));
  loadNearby();

  /* Open at street zoom on the resident's location when the browser may already share it (no prompt). */
  var OUTSIDE_HERE = "The map shows where you are, which is outside the city: find the street above, " +
    "or move the map to one of its neighbourhoods, then tap where the problem is.";
  if (!latInput.value && navigator.permissions && navigator.geolocation && window.isSecureContext) {
    navigator.permissions.query({ name: "geolocation" }).then(function (permission) {
      if (permission.state !== "granted") {
        return;
      }
      navigator.geolocation.getCurrentPosition(function (position) {
        if (marker || asked) {
          return;
        }
        var lat = position.coords.latitude;
        var lon = position.coords.longitude;
        map.setView([lat, lon], STREET_ZOOM);
        status.textContent = "The map shows where you are: tap where the problem is.";
        /* Found from outside: away from the city that invited a tap there, which would be refused. */
        warnOutside(lat, lon, OUTSIDE_HERE, function () {
          return !marker && !asked;
        });
      }, function () {}, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
    }).catch(function () {});
  }
})();
