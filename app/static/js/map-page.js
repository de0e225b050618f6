/* The city map: /api/v1/issues?bbox=...&zoom=... for the visible box, filtered by the Category and
   Status selects; at low zoom the server's clusters (exact counts per grid cell), above it pins in their
   status's colour and symbol; reloaded (debounced) only as the map moves beyond what is loaded, and
   never under an open popup. The key (legend) sits beside the map, folded on phones. */
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

  /* Each status's name and type, from the Status select's options (a status an admin added is drawn
     in its type's colour). */
  var statusInfo = {};
  Array.prototype.forEach.call(statusSelect.querySelectorAll("option[data-type]"), function (option) {
    statusInfo[option.value] = { name: option.textContent, type: option.getAttribute("data-type") };
  });

  function placeAreaLabels() {
    CF.keepAreaLabelsClear(frame);
  }
  CF.addAreaOutlines(map).then(placeAreaLabels);

  /* Above the clustering zoom the server sends pins, clustered here as they always were; at and below
     it, it sends clusters: every problem counted per grid cell (exact counts), drawn as one marker each. */
  var clusterMaxZoom = Number(frame.getAttribute("data-cluster-max-zoom"));
  var clusters = L.markerClusterGroup({
    showCoverageOnHover: false,
    maxClusterRadius: 48,
    spiderfyOnMaxZoom: true,
    chunkedLoading: true,
    // Keep markers off screen: on a phone the plugin removed a pin as it left the visible area, and its
    // open popup with it, mid-swipe (found from outside). The view holds at most a few hundred pins.
    removeOutsideVisibleBounds: false,
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
  var cells = L.layerGroup().addTo(map);
  frame.setAttribute("data-pins", "0");
  frame.setAttribute("data-cells", "0");

  function clamp(value, low, high) {
    return Math.min(high, Math.max(low, value));
  }

  function bboxParam(b) {
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
    link.dir = "auto"; /* a Hebrew or Arabic title reads right to left */
    link.href = CF.onThisSite(properties.url);
    box.appendChild(link);
    box.appendChild(element("p", "cf-popup__meta", properties.category_name + " \u00b7 " + properties.area));
    var status = element("p", "cf-popup__status");
    var badge = element(
      "span",
      "status-badge status-badge--" + properties.status_type + " status--" + CF.statusKey(properties.status, properties.status_type)
    );
    badge.innerHTML = CF.statusIconHtml(properties.status, properties.status_type); // our markup, no resident text
    badge.appendChild(element("span", "", properties.status_name));
    status.appendChild(badge);
    box.appendChild(status);
    box.appendChild(element("p", "cf-popup__likes", CF.plural(properties.likes, "like")));
    var more = element("a", "cf-popup__more", "Open this problem \u2192");
    more.href = CF.onThisSite(properties.url);
    box.appendChild(more);
    return box;
  }

  function markerFor(feature) {
    var c = feature.geometry.coordinates;
    var p = feature.properties;
    var marker = L.marker([c[1], c[0]], {
      icon: CF.pinIcon(p.status_type, p.status),
      title: p.title + " (" + p.status_name + ", " + CF.plural(p.likes, "like") + ")",
      alt: p.title,
      riseOnHover: true
    });
    marker.cfProperties = p;
    return marker;
  }

  /* A pin's popup belongs to the map, not to its pin: the cluster plugin takes a pin off the map and
     puts it back as it regroups (a pin added beside it, a pin moved under the screen's edge), and a
     popup bound to the pin closed with it (the likely cause of a clicked pin's popup that CI saw vanish
     on a laptop). One popup, opened by a click or Enter on a pin; Enter again on its pin closes
     it (a click there closes and reopens it, as Leaflet's own did: the map closes a popup first). */
  var popup = L.popup(); /* sized to the map as it opens (CF.fitPopup) */
  var popupPin = null;
  function togglePopup(marker) {
    var again = popupPin === marker && map.hasLayer(popup);
    map.closePopup(popup);
    if (again) {
      return;
    }
    // Above the pin, as a popup bound to it would be: Leaflet's own offset plus the pin's popupAnchor.
    popup.options.offset = L.point(0, 7).add(marker.options.icon.options.popupAnchor);
    popup.setLatLng(marker.getLatLng()).setContent(popupFor(marker.cfProperties));
    map.openPopup(CF.fitPopup(popup, map));
    popupPin = marker;
  }
  clusters.on("click", function (event) {
    L.DomEvent.stop(event);
    togglePopup(event.layer);
  });
  clusters.on("keypress", function (event) {
    if (event.originalEvent.keyCode === 13) {
      togglePopup(event.layer);
    }
  });

  function zoomInto(feature) {
    var b = feature.bbox;
    var box = L.latLngBounds([b[1], b[0]], [b[3], b[2]]);
    var target = map.getBoundsZoom(box, false, L.point(40, 40));
    target = Math.min(map.getMaxZoom(), Math.max(target, map.getZoom() + 1));
    map.setView(box.getCenter(), target);
  }

  function filterLabel(count) {
    var statusLabel = statusSelect.options[statusSelect.selectedIndex].text.toLowerCase();
    if (statusLabel === "open problems") {
      statusLabel = "open";
    }
    if (statusLabel === "all problems") {
      statusLabel = "";
    }
    var noun = count === 1 ? "problem" : "problems";
    return count.toLocaleString("en") + (statusLabel ? " " + statusLabel : "") + " " + noun;
  }

  function categoryLabel() {
    return categorySelect.value ? " (" + categorySelect.options[categorySelect.selectedIndex].text + ")" : "";
  }

  function describe(count, hasMore) {
    var text = filterLabel(count) + " in view" + categoryLabel();
    if (hasMore) {
      text += "; zoom in to see them all";
    }
    return text + ".";
  }

  function describeCells(total) {
    return filterLabel(total) + " in the area shown" + categoryLabel() + "; choose a number to zoom in.";
  }

  /* The last answer: the filters, pins or cells, the zoom, the box it covers, and for pins the
     features and whether the server capped them. A move that stays inside it (a popup panning into
     view, a small drag) asks the server nothing, so an open popup stays open. The summary counts from
     it even while its pins wait for a popup to close. */
  var loaded = null;

  function filterKey() {
    return (statusSelect.value || "open") + "|" + categorySelect.value;
  }

  function boundsOf(b) {
    return L.latLngBounds([b[1], b[0]], [b[3], b[2]]);
  }

  function stillCurrent(zoom, clustered) {
    if (!loaded || loaded.filters !== filterKey() || loaded.clustered !== clustered) {
      return false;
    }
    if (clustered ? loaded.zoom !== zoom : loaded.capped && zoom > loaded.zoom) {
      return false; // other cells; or capped pins that zooming in would complete
    }
    return loaded.bounds.contains(map.getBounds());
  }

  function pinsInView() {
    var view = map.getBounds();
    return loaded.features.filter(function (f) {
      var c = f.geometry.coordinates;
      return view.contains([c[1], c[0]]);
    }).length;
  }

  /* Pins are updated, not redrawn: a marker whose problem is still in the answer, unchanged, stays on
     the map, so a reload after a move does not close the popup open on it. */
  var markersById = {};
  function showPins(collection) {
    var features = collection.features || [];
    var next = {};
    var added = [];
    var removed = [];
    cells.clearLayers();
    features.forEach(function (feature) {
      var key = JSON.stringify(feature);
      var kept = markersById[feature.id];
      if (kept && kept.cfKey === key) {
        next[feature.id] = kept;
      } else {
        var marker = markerFor(feature);
        marker.cfKey = key;
        next[feature.id] = marker;
        added.push(marker);
      }
    });
    Object.keys(markersById).forEach(function (id) {
      if (next[id] !== markersById[id]) {
        removed.push(markersById[id]);
      }
    });
    clusters.removeLayers(removed);
    clusters.addLayers(added);
    markersById = next;
    frame.setAttribute("data-pins", String(features.length));
    frame.setAttribute("data-cells", "0");
    frame.setAttribute("data-mode", "pins");
  }

  /* Under an open popup no pin is redrawn: an answer that comes meanwhile waits until it closes, so
     the pin the popup points at stays where it is. */
  var waiting = null;
  map.on("popupclose", function () {
    popupPin = null;
    if (waiting) {
      var next = waiting;
      waiting = null;
      draw(next);
    }
  });

  function draw(collection) {
    if (collection.clustered) {
      showCells(collection);
      placeAreaLabels();
    } else {
      showPins(collection);
    }
    summarise();
  }

  function showCells(collection) {
    var features = collection.features || [];
    map.closePopup(popup); // its pin is now inside a number
    clusters.clearLayers();
    markersById = {};
    cells.clearLayers();
    features.forEach(function (feature) {
      cells.addLayer(CF.cellMarker(feature, statusInfo, zoomInto));
    });
    frame.setAttribute("data-pins", "0");
    frame.setAttribute("data-cells", String(features.length));
    frame.setAttribute("data-total", String(collection.total));
    frame.setAttribute("data-mode", "cells");
  }

  function summarise() {
    if (!loaded) {
      return;
    }
    summary.textContent = loaded.clustered ? describeCells(loaded.total) : describe(pinsInView(), loaded.capped);
    summary.classList.remove("is-error");
  }

  var inFlight = null;
  function load() {
    var zoom = Math.round(map.getZoom());
    var clustered = zoom <= clusterMaxZoom;
    if (stillCurrent(zoom, clustered)) {
      summarise();
      return;
    }
    // Pins come for a margin around the view (half its size on each side), so a popup panning into
    // view or a small drag stays inside what is loaded.
    var box = clustered ? map.getBounds() : map.getBounds().pad(0.5);
    var params = new URLSearchParams({ bbox: bboxParam(box), zoom: String(zoom), status: statusSelect.value || "open" });
    if (categorySelect.value) {
      params.set("category", categorySelect.value);
    }
    var filters = filterKey();
    if (inFlight) {
      inFlight.abort();
    }
    inFlight = window.AbortController ? new AbortController() : null;
    frame.setAttribute("aria-busy", "true");
    CF.api("GET", "/api/v1/issues?" + params.toString(), { signal: inFlight && inFlight.signal })
      .then(function (collection) {
        loaded = {
          filters: filters,
          clustered: Boolean(collection.clustered),
          zoom: zoom,
          bounds: collection.clustered ? boundsOf(collection.bbox) : box,
          capped: !collection.clustered && Boolean(collection.has_next),
          features: collection.clustered ? [] : collection.features || [],
          total: collection.total
        };
        // A zoom out to clusters is the resident's own choice; new pins wait for the popup to close.
        if (map.hasLayer(popup) && !collection.clustered) {
          waiting = collection;
          summarise();
          return;
        }
        waiting = null;
        draw(collection);
      })
      .catch(function (problem) {
        if (problem.name === "AbortError") {
          return;
        }
        loaded = null; // let the next move retry
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

  map.on("zoomend", function () {
    window.setTimeout(placeAreaLabels, 0); // after the labels' own zoomend adds them
  });

  /* The key unfolds beside the map, never over it (index.html folds it on phones): the map fits
     what is left. */
  var legend = document.getElementById("map-legend");
  if (window.ResizeObserver) {
    new window.ResizeObserver(function () {
      map.invalidateSize({ pan: false });
    }).observe(frame);
  } else if (legend) {
    legend.addEventListener("toggle", function () {
      map.invalidateSize({ pan: false });
    });
  }

  /* A new filter closes an open popup, so the pins drawn are the ones the filter and the count above the
     map describe (found from outside: under an open popup the count changed and the pins did not). */
  [categorySelect, statusSelect].forEach(function (select) {
    select.addEventListener("change", function () {
      map.closePopup(popup);
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
