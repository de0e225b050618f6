/* The city map's clusters and area names: a grid cell drawn as its count ringed by its statuses, and
   the area names moved clear of the clusters. Used by map-page.js. */
(function () {
  "use strict";

  var CF = window.Commonfix;

  function element(tag, className, text) {
    var node = document.createElement(tag);
    node.className = className;
    if (text !== undefined) {
      node.textContent = text;
    }
    return node;
  }

  /* Statuses in a steady order: the styled ones as the app lists them, then any other. */
  function statusOrder(codes) {
    return codes.slice().sort(function (a, b) {
      var ia = CF.STATUS_CODES.indexOf(a);
      var ib = CF.STATUS_CODES.indexOf(b);
      return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib) || (a < b ? -1 : a > b ? 1 : 0);
    });
  }

  /* A grid cell's problems: its exact count on a disc in the commonest status's colour, ringed by the
     share of each status; tapping it calls zoomInto(feature). statusInfo: code -> {name, type}. */
  CF.cellMarker = function (feature, statusInfo, zoomInto) {
    function typeOf(code) {
      return (statusInfo[code] && statusInfo[code].type) || "open";
    }
    var c = feature.geometry.coordinates;
    var p = feature.properties;
    var counts = p.statuses || {};
    var codes = statusOrder(Object.keys(counts).filter(function (code) {
      return counts[code] > 0;
    }));
    var dominant = codes.reduce(function (best, code) {
      return best === null || counts[code] > counts[best] ? code : best;
    }, null);
    var stops = [];
    var done = 0;
    codes.forEach(function (code) {
      var from = (100 * done) / p.count;
      done += counts[code];
      var to = (100 * done) / p.count;
      stops.push(CF.statusColour(code, typeOf(code)) + " " + from + "% " + to + "%");
    });
    var ring = element("div", "cf-cluster__ring");
    ring.style.background = stops.length ? "conic-gradient(" + stops.join(", ") + ")" : "var(--closed)";
    var key = dominant === null ? "type-open" : CF.statusKey(dominant, typeOf(dominant));
    var label = element("span", "cf-cluster__count status--" + key, p.count.toLocaleString("en"));
    ring.appendChild(label);
    var size = p.count < 10 ? "small" : p.count < 100 ? "medium" : "large";
    var parts = codes.map(function (code) {
      return counts[code].toLocaleString("en") + " " + ((statusInfo[code] && statusInfo[code].name) || code);
    });
    var domType = dominant === null ? "open" : typeOf(dominant);
    var marker = L.marker([c[1], c[0]], {
      icon: L.divIcon({
        html: ring,
        className: "cf-cluster cf-cluster--cell cf-cluster--" + size + " cf-cluster--" + domType,
        iconSize: L.point(48, 48)
      }),
      title: CF.plural(p.count, "problem") + " (" + parts.join(", ") + "); zoom in",
      alt: CF.plural(p.count, "problem"),
      riseOnHover: true
    });
    marker.on("click", function () {
      zoomInto(feature);
    });
    marker.on("add", function () {
      var icon = marker.getElement();
      /* Leaflet's Enter only opens a popup, which a group has none of (found from outside: a keyboard
         could not zoom into a group). */
      icon.addEventListener("keydown", function (event) {
        if (event.key === "Enter" || event.key === " ") {
          event.preventDefault();
          zoomInto(feature);
        }
      });
      icon.setAttribute("data-count", String(p.count));
      icon.setAttribute("data-cell", p.cell.join(","));
      icon.setAttribute("data-bbox", feature.bbox.join(","));
    });
    return marker;
  };

  /* Area names stay readable: a name a cluster (or a name placed before it) would cover, or the map's
     edge would cut (found from outside: "ELM PAR" on a phone), moves the shortest way, up, down or
     sideways, that clears them all and stays inside the map. */
  CF.keepAreaLabelsClear = function (frame) {
    var taken = Array.prototype.map.call(frame.querySelectorAll(".leaflet-marker-icon.cf-cluster"), function (icon) {
      return icon.getBoundingClientRect();
    });
    var edge = frame.getBoundingClientRect();
    frame.querySelectorAll(".area-label").forEach(function (label) {
      label.style.marginTop = "";
      label.style.marginLeft = "";
      var r = label.getBoundingClientRect();
      if (!r.width) {
        return;
      }
      var seen = r.right > edge.left && r.left < edge.right && r.bottom > edge.top && r.top < edge.bottom;
      function clear(dx, dy) {
        var inside = r.left + dx >= edge.left + 2 && r.right + dx <= edge.right - 2 &&
          r.top + dy >= edge.top + 2 && r.bottom + dy <= edge.bottom - 2;
        return (inside || !seen) && taken.every(function (d) {
          return !(r.left + dx < d.right + 2 && d.left - 2 < r.right + dx && r.top + dy < d.bottom + 2 && d.top - 2 < r.bottom + dy);
        });
      }
      var dxs = [0, edge.left + 4 - r.left, edge.right - 4 - r.right];
      var dys = [0, edge.top + 4 - r.top, edge.bottom - 4 - r.bottom];
      taken.forEach(function (d) {
        dxs.push(d.left - 3 - r.right, d.right + 3 - r.left);
        dys.push(d.top - 3 - r.bottom, d.bottom + 3 - r.top);
      });
      var best = null;
      dxs.forEach(function (dx) {
        dys.forEach(function (dy) {
          var cost = Math.abs(dx) + Math.abs(dy);
          if (Math.abs(dx) <= 80 && Math.abs(dy) <= 60 && (best === null || cost < best.cost) && clear(dx, dy)) {
            best = { dx: dx, dy: dy, cost: cost };
          }
        });
      });
      if (best && best.cost > 0) {
        var left = parseFloat(window.getComputedStyle(label).marginLeft) || 0;
        label.style.marginTop = best.dy + "px";
        label.style.marginLeft = left + best.dx + "px";
      }
      var at = best || { dx: 0, dy: 0 };
      taken.push({ left: r.left + at.dx, right: r.right + at.dx, top: r.top + at.dy, bottom: r.bottom + at.dy });
    });
  };
})();
