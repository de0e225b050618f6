/* The city map: pins for the visible box from /api/v1/issues?bbox=..., clustered, coloured by
   status type, filtered by the Category and Status selects; reloaded (debounced) as the map moves. */
(function () {
  "use strict";

  var CF = window.Commonfix;
  var frame = document.querySelector("[data-cf-map]");
  var map = CF.mapOf(frame);
  if (!map) {
    return;
  }
  var categorySelect = document.getElementById("filter-category");
  var statusSelect = document.getElementById("filter-status");
  var summary = document.getElementById("map-summary");
  var filters = document.getElementById("map-filters");

  CF.addAreaOutlines(map);

  var clusters = L.markerClusterGroup({
    showCoverageOnHover: false,
    maxClusterRadius: 48,
    spiderfyOnMaxZoom: true,
    chunkedLoading: true,
    iconCreateFunction: function (cluster) {
      var count = cluster.getChildCount();
      var size = count < 10 ? "small" : count < 50 ? "medium" : "large";
      return L.divIcon({
        html: "<span>" + count + "</span>",
        className: "cf-cluster cf-cluster--" + size,
        iconSize: L.point(44, 44)
      });
    }
  });
  map.addLayer(clusters);
  frame.setAttribute("data-pins", "0");

  function clamp(value, low, high) {
    return Math.min(high, Math.max(low, value));
  }

  function bboxParam() {
    var b = map.getBounds();
    return [
      clamp(b.getWest(), -180, 180),
      clamp(b.getSouth(), -90, 90),
      clamp(b.getEast(), -180, 180),
      clamp(b.getNorth(), -90, 90)
    ]
      .map(function (n) {
        return n.toFixed(5);
      })
      .join(",");
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text !== undefined) {
      node.textContent = text;
    }
    return node;
  }

  /* Popups are built from DOM nodes and textContent: titles are residents' text. */
  function popupFor(properties) {
    var box = element("div", "cf-popup");
    var link = element("a", "cf-popup__title", properties.title);
    link.href = properties.url;
    box.appendChild(link);
    box.appendChild(element("p", "cf-popup__meta", properties.category_name + " \u00b7 " + properties.area));
    var status = element("p", "cf-popup__status status-badge status-badge--" + properties.status_type, properties.status_name);
    box.appendChild(status);
    box.appendChild(element("p", "cf-popup__likes", CF.plural(properties.likes, "like")));
    var more = element("a", "cf-popup__more", "Open this problem \u2192");
    more.href = properties.url;
    box.appendChild(more);
    return box;
  }

  function markerFor(feature) {
    var c = feature.geometry.coordinates;
    var p = feature.properties;
    var marker = L.marker([c[1], c[0]], {
      icon: CF.pinIcon(p.status_type),
      title: p.title + " (" + p.status_name + ", " + CF.plural(p.likes, "like") + ")",
      alt: p.title,
      riseOnHover: true
    });
    marker.bindPopup(function () {
      return popupFor(p);
    }, { maxWidth: 260, minWidth: 200, autoPanPaddingTopLeft: L.point(12, 12), autoPanPaddingBottomRight: L.point(140, 90) });
    return marker;
  }

  function describe(count, hasMore) {
    var statusLabel = statusSelect.options[statusSelect.selectedIndex].text.toLowerCase();
    if (statusLabel === "open problems") {
      statusLabel = "open";
    }
    if (statusLabel === "all problems") {
      statusLabel = "";
    }
    var noun = count === 1 ? "problem" : "problems";
    var text = count.toLocaleString("en") + (statusLabel ? " " + statusLabel : "") + " " + noun + " in view";
    if (categorySelect.value) {
      text += " (" + categorySelect.options[categorySelect.selectedIndex].text + ")";
    }
    if (hasMore) {
      text += "; zoom in to see them all";
    }
    return text + ".";
  }

  var inFlight = null;
  var lastUrl = null;
  function load() {
    var params = new URLSearchParams({ bbox: bboxParam(), status: statusSelect.value || "open" });
    if (categorySelect.value) {
      params.set("category", categorySelect.value);
    }
    var url = "/api/v1/issues?" + params.toString();
    if (url === lastUrl) {
      return; // the same box and filters: the pins shown are current
    }
    lastUrl = url;
    if (inFlight) {
      inFlight.abort();
    }
    inFlight = window.AbortController ? new AbortController() : null;
    frame.setAttribute("aria-busy", "true");
    CF.api("GET", url, { signal: inFlight && inFlight.signal })
      .then(function (collection) {
        var features = collection.features || [];
        clusters.clearLayers();
        clusters.addLayers(features.map(markerFor));
        frame.setAttribute("data-pins", String(features.length));
        summary.textContent = describe(features.length, Boolean(collection.has_next));
        summary.classList.remove("is-error");
      })
      .catch(function (problem) {
        if (problem.name === "AbortError") {
          return;
        }
        lastUrl = null; // let the next move retry
        summary.textContent = "The problems could not be loaded: " + problem.message;
        summary.classList.add("is-error");
      })
      .then(function () {
        frame.removeAttribute("aria-busy");
      });
  }

  /* Filters live in the address, so a filtered map can be shared or reloaded. */
  function rememberFilters() {
    var params = new URLSearchParams(window.location.search);
    params.set("status", statusSelect.value);
    if (categorySelect.value) {
      params.set("category", categorySelect.value);
    } else {
      params.delete("category");
    }
    if (statusSelect.value === "open") {
      params.delete("status");
    }
    var query = params.toString();
    window.history.replaceState(null, "", window.location.pathname + (query ? "?" + query : ""));
  }

  [categorySelect, statusSelect].forEach(function (select) {
    select.addEventListener("change", function () {
      rememberFilters();
      load();
    });
  });
  filters.addEventListener("submit", function (event) {
    event.preventDefault();
    load();
  });
  map.on("moveend", CF.debounce(load, 250));
  load();
})();
