/* Street and place search (templates/places/_search.html): an ARIA 1.2 combobox over
   GET /api/v1/places. Typing lists areas, streets and landmarks; arrow keys move through them, Enter or a
   tap chooses one, Escape closes the list (and clears the box when it is already closed). Choosing flies
   the map named by data-map there: a street or area is fitted, a landmark shown at street zoom (a street
   too, at its middle, where the box has data-street-zoom: the report page). The box
   then fires "cf:place-chosen" (detail: the place) for the page's own script. */
(function () {
  "use strict";

  var CF = window.Commonfix;
  var STREET_ZOOM = 17;
  var KINDS = { area: "Area", street: "Street", landmark: "Place" };

  function setUp(root) {
    var frame = document.querySelector(root.getAttribute("data-map"));
    var map = CF.mapOf(frame);
    var input = root.querySelector("input[role=combobox]");
    var list = root.querySelector("[role=listbox]");
    var status = root.querySelector("[data-place-status]");
    if (!map || !input || !list) {
      return;
    }
    var places = [];
    var active = -1;
    var pending = null;
    var lastQuery = "";

    function say(message, isError) {
      status.textContent = message;
      status.classList.toggle("is-error", Boolean(isError));
    }

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function highlight(index) {
      var options = list.querySelectorAll("[role=option]");
      active = index;
      options.forEach(function (option, i) {
        option.setAttribute("aria-selected", i === index ? "true" : "false");
      });
      if (index >= 0 && options[index]) {
        input.setAttribute("aria-activedescendant", options[index].id);
        options[index].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function show(found) {
      places = found;
      list.textContent = "";
      found.forEach(function (place, i) {
        var option = document.createElement("li");
        option.id = list.id + "-" + i;
        option.className = "place-search__option";
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        var name = document.createElement("span");
        name.textContent = place.label;
        var kind = document.createElement("span");
        kind.className = "place-search__kind";
        kind.textContent = KINDS[place.kind] || "";
        option.appendChild(name);
        option.appendChild(kind);
        /* mousedown would blur the box first and close the list before the click lands. */
        option.addEventListener("mousedown", function (event) {
          event.preventDefault();
        });
        option.addEventListener("click", function () {
          choose(i);
        });
        list.appendChild(option);
      });
      var open = found.length > 0;
      list.hidden = !open;
      input.setAttribute("aria-expanded", open ? "true" : "false");
      active = -1;
      say(open ? CF.plural(found.length, "place") + " found." : "No street or place of that name.", false);
    }

    var marked = null;

    /* Offline or before tiles load the street is not drawn: a labelled dot shows where it is. */
    function mark(place) {
      if (marked) {
        map.removeLayer(marked);
      }
      /* Leaflet writes a string tooltip as HTML: the name (imported map data) goes in as text. */
      var label = document.createElement("span");
      label.textContent = place.name;
      marked = L.circleMarker([place.lat, place.lon], {
        radius: 7, weight: 3, color: "#0b0c0c", fillColor: "#ffbf47", fillOpacity: 1, interactive: false
      }).bindTooltip(label, { permanent: true, direction: "top", offset: [0, -8], className: "place-search__marker" });
      marked.addTo(map);
    }

    var streetZoom = root.hasAttribute("data-street-zoom");

    function fly(place) {
      var b = place.bbox;
      if (b && !(streetZoom && place.kind === "street")) {
        var bounds = L.latLngBounds([b[1], b[0]], [b[3], b[2]]);
        map.flyToBounds(bounds, { maxZoom: place.kind === "area" ? 15 : STREET_ZOOM, padding: [24, 24], duration: 0.8 });
      } else {
        map.flyTo([place.lat, place.lon], STREET_ZOOM, { duration: 0.8 });
      }
    }

    function choose(index) {
      var place = places[index];
      if (!place) {
        return;
      }
      input.value = place.label;
      lastQuery = place.label;
      close();
      fly(place);
      mark(place);
      frame.setAttribute("data-place-chosen", place.label);
      say("Map moved to " + place.label + ".", false);
      root.dispatchEvent(new CustomEvent("cf:place-chosen", { bubbles: true, detail: place }));
    }

    var search = CF.debounce(function () {
      var query = input.value.trim();
      if (query === lastQuery) {
        return;
      }
      lastQuery = query;
      if (pending) {
        pending.abort();
      }
      if (!query) {
        show([]);
        say("", false);
        close();
        return;
      }
      pending = window.AbortController ? new AbortController() : null;
      CF.api("GET", "/api/v1/places?" + new URLSearchParams({ q: query }).toString(), { signal: pending && pending.signal })
        .then(function (answer) {
          show(answer.places || []);
        })
        .catch(function (problem) {
          if (problem.name === "AbortError") {
            return;
          }
          close();
          say(problem.message, true);
        });
    }, 150);

    input.addEventListener("input", search);
    input.addEventListener("keydown", function (event) {
      var count = places.length;
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        if (list.hidden) {
          if (count) {
            list.hidden = false;
            input.setAttribute("aria-expanded", "true");
          }
          highlight(event.key === "ArrowDown" ? 0 : count - 1);
          return;
        }
        if (count) {
          highlight(event.key === "ArrowDown" ? (active + 1) % count : (active - 1 + count) % count);
        }
      } else if (event.key === "Enter") {
        /* Never submit the surrounding form from the search box. */
        event.preventDefault();
        if (!list.hidden && count) {
          choose(active >= 0 ? active : 0);
        }
      } else if (event.key === "Escape") {
        if (!list.hidden) {
          event.preventDefault();
          close();
        } else if (input.value) {
          event.preventDefault();
          input.value = "";
          lastQuery = "";
          say("", false);
        }
      } else if (event.key === "Home" || event.key === "End") {
        if (!list.hidden && count) {
          event.preventDefault();
          highlight(event.key === "Home" ? 0 : count - 1);
        }
      }
    });
    input.addEventListener("blur", function () {
      window.setTimeout(close, 150);
    });
    input.disabled = false; /* usable once the script runs: without it the box would do nothing */
  }

  document.querySelectorAll("[data-place-search]").forEach(setUp);
})();
