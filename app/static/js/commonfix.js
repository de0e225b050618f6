/* Commonfix: shared browser code. The API client (with the CSRF header), status pins, area
   outlines, Like / Unlike forms upgraded to in-place API calls, and the phone menu. */
(function () {
  "use strict";

  var CF = (window.Commonfix = window.Commonfix || {});

  CF.STATUS = {
    open: { label: "Open", glyph: "!" },
    fixed: { label: "Fixed", glyph: "\u2713" },
    closed: { label: "Closed", glyph: "\u00d7" }
  };

  /* Cents for people, by the rules of budgets/money.py (format_money): "-EUR 1,234.56".
     Integer arithmetic only, so no float rounding reaches the text. */
  CF.formatMoney = function (cents, currency) {
    var sign = cents < 0 ? "-" : "";
    var abs = Math.abs(Math.trunc(cents));
    var whole = String(Math.floor(abs / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    var text = whole + "." + String(abs % 100).padStart(2, "0");
    return sign + (currency ? currency + " " : "") + text;
  };

  /* A link from the API's absolute `url` (built on the site's public address) that stays on the
     address this page was opened at, so a session cookie goes with it. */
  CF.onThisSite = function (url) {
    var found = new URL(url, window.location.href);
    return found.pathname + found.search + found.hash;
  };

  CF.csrfToken = function () {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  };

  /* fetch() for our JSON API. Resolves with the parsed body; rejects with an Error whose
     message is the API's own, and whose .status is the HTTP status (0 when offline). */
  CF.api = function (method, url, options) {
    var init = {
      method: method,
      credentials: "same-origin",
      headers: { Accept: "application/json" },
      signal: options && options.signal
    };
    if (method !== "GET") {
      init.headers["X-CSRFToken"] = CF.csrfToken();
    }
    return fetch(url, init).then(
      function (response) {
        return response
          .json()
          .catch(function () {
            return {};
          })
          .then(function (body) {
            if (response.ok) {
              return body;
            }
            var message = (body && body.error && body.error.message) || "The request failed (" + response.status + ").";
            var error = new Error(message);
            error.status = response.status;
            error.code = body && body.error && body.error.code;
            throw error;
          });
      },
      function (networkError) {
        if (networkError.name === "AbortError") {
          throw networkError;
        }
        var error = new Error("You seem to be offline; try again in a moment.");
        error.status = 0;
        throw error;
      }
    );
  };

  CF.announce = function (message) {
    var region = document.getElementById("announcer");
    if (region) {
      region.textContent = "";
      window.setTimeout(function () {
        region.textContent = message;
      }, 50);
    }
  };

  CF.plural = function (count, word) {
    return count.toLocaleString("en") + " " + (count === 1 ? word : word + "s");
  };

  CF.debounce = function (fn, wait) {
    var timer = null;
    return function () {
      var args = arguments;
      window.clearTimeout(timer);
      timer = window.setTimeout(function () {
        fn.apply(null, args);
      }, wait);
    };
  };

  /* The L.Map folium created for a [data-cf-map] element (folium names it in a global variable). */
  CF.mapOf = function (element) {
    return element ? window[element.getAttribute("data-cf-map")] : null;
  };

  /* Was the last input a key (html.cf-keys) or a pointer? Leaflet focuses a map from script on a
     tap or a click, and Chromium counts that focus as :focus-visible, so the map's ring and the report
     map's cross (app.css, report-map.css) are keyed on this class: shown after a key, never after a
     tap (found from outside: a tap drew the cross away from the new pin). Capturing, so it is set
     before Leaflet's own handlers run. */
  document.addEventListener("keydown", function () {
    document.documentElement.classList.add("cf-keys");
  }, true);
  document.addEventListener("pointerdown", function () {
    document.documentElement.classList.remove("cf-keys");
  }, true);

  /* A pin's popup sized to its map, set just before it opens. Its text is at most 236 px wide (200 at
     least where there is room), and it pans 60 px clear of the zoom buttons at the left, 12 px from
     the other edges. Found from outside: a fixed 200-236 px popup with that padding overflowed a
     360 px phone's 332 px report map, cutting off its close button. Where even a narrow popup cannot
     clear the zoom buttons, it may cover them rather than be cut off. */
  var POPUP_CHROME = 60; /* a popup's own width around its text: app.css's content margins (14 + 40 px),
                            Leaflet's wrapper border (2 px) and its +1, rounded up */
  var POPUP_PAD = { buttons: 60, edge: 12, narrowest: 140 };
  CF.fitPopup = function (popup, map) {
    var width = map.getSize().x;
    var left = POPUP_PAD.buttons;
    var room = width - left - POPUP_PAD.edge - POPUP_CHROME;
    if (room < POPUP_PAD.narrowest) {
      left = POPUP_PAD.edge;
      room = width - 2 * POPUP_PAD.edge - POPUP_CHROME;
    }
    var options = popup.options;
    options.maxWidth = Math.max(Math.min(236, room), 80);
    options.minWidth = Math.min(200, options.maxWidth);
    options.autoPanPaddingTopLeft = L.point(left, POPUP_PAD.edge);
    options.autoPanPaddingBottomRight = L.point(POPUP_PAD.edge, 24);
    return popup;
  };

  /* Statuses with their own colour and symbol (app/status_styles.py STYLED_CODES); others take
     their type's. Colours are css/statuses.css's --status-<code>, symbols img/statuses.svg's. */
  CF.STATUS_CODES = [
    "new",
    "acknowledged",
    "investigating",
    "in-progress",
    "planned",
    "fixed",
    "closed",
    "duplicate",
    "not-responsible",
    "no-further-action"
  ];

  CF.statusKey = function (code, statusType) {
    if (CF.STATUS_CODES.indexOf(code) >= 0) {
      return code;
    }
    return "type-" + (CF.STATUS[statusType] ? statusType : "open");
  };

  /* The status's colour, read from the stylesheet (for drawing, e.g. a cluster's ring). */
  CF.statusColour = function (code, statusType) {
    var key = CF.statusKey(code, statusType);
    var name = key.indexOf("type-") === 0 ? "--" + key.slice(5) : "--status-" + key;
    return window.getComputedStyle(document.documentElement).getPropertyValue(name).trim() || "#5b636e";
  };

  /* A decorative <svg> showing the status's symbol, as markup (the status is named in text beside it). */
  CF.statusIconHtml = function (code, statusType) {
    var key = CF.statusKey(code, statusType);
    var meta = document.querySelector('meta[name="cf-status-icons"]');
    var sprite = meta ? meta.getAttribute("content") : "";
    var symbol = key.indexOf("type-") === 0 ? key : "status-" + key;
    return (
      '<svg class="status-icon status--' + key + '" aria-hidden="true" focusable="false">' +
      '<use href="' + sprite + "#" + symbol + '"></use></svg>'
    );
  };

  /* A pin in its status's colour and symbol; without a code, its type's. */
  CF.pinIcon = function (statusType, statusCode) {
    var type = CF.STATUS[statusType] ? statusType : "open";
    var key = CF.statusKey(statusCode || "", type);
    return L.divIcon({
      className: "cf-pin status-pin cf-pin--" + type + " status--" + key,
      html: CF.statusIconHtml(statusCode || "", type),
      iconSize: [30, 30],
      iconAnchor: [15, 15],
      popupAnchor: [0, -14]
    });
  };

  /* Neighbourhood outlines from /api/v1/areas: fetched once per page, drawn under the pins, so the
     map reads as a city even when no tiles load. */
  var areasRequest = null;
  CF.addAreaOutlines = function (map) {
    if (!areasRequest) {
      areasRequest = CF.api("GET", "/api/v1/areas");
    }
    return areasRequest
      .then(function (collection) {
        var layer = L.geoJSON(collection, {
          interactive: false,
          style: function () {
            return { color: "#3d5a80", weight: 2, opacity: 0.8, fillColor: "#ffffff", fillOpacity: 0.35, dashArray: "6 4" };
          }
        }).addTo(map);
        layer.bringToBack();
        CF.addAreaLabels(map, collection);
        return layer;
      })
      .catch(function () {
        return null;
      });
  };

  CF.addAreaLabels = function (map, collection) {
    var labels = L.layerGroup();
    (collection.features || []).forEach(function (feature) {
      var bounds = L.geoJSON(feature).getBounds();
      var label = L.marker(bounds.getCenter(), {
        interactive: false,
        keyboard: false,
        icon: L.divIcon({ className: "area-label", html: "", iconSize: null })
      });
      label.on("add", function () {
        var element = label.getElement();
        if (element) {
          element.textContent = feature.properties.name;
        }
      });
      labels.addLayer(label);
    });
    var toggle = function () {
      if (map.getZoom() >= 12 && map.getZoom() <= 15) {
        labels.addTo(map);
      } else {
        labels.remove();
      }
    };
    map.on("zoomend", toggle);
    toggle();
  };

  /* Like / Unlike: a .like block holds either a real form (works without JS; with JS it talks to
     the API) or, where the block is itself drawn by JS, a plain button[data-like-toggle]. Every
     count of the same issue on the page is updated in place. */
  function setLikeState(block, likes, liked) {
    var id = block.getAttribute("data-like-issue");
    document.querySelectorAll('.like[data-like-issue="' + id + '"]').forEach(function (other) {
      other.setAttribute("data-liked", liked ? "true" : "false");
      var count = other.querySelector("[data-like-count]");
      var word = other.querySelector("[data-like-word]");
      if (count) {
        count.textContent = likes.toLocaleString("en");
      }
      if (word) {
        word.textContent = likes === 1 ? "like" : "likes";
      }
      var form = other.querySelector("form");
      if (form) {
        form.action = form.getAttribute(liked ? "data-unlike-action" : "data-like-action");
      }
      other.querySelectorAll("form button, button[data-like-toggle]").forEach(function (button) {
        button.textContent = liked ? "Unlike" : "Like";
        button.classList.toggle("is-liked", liked);
      });
    });
  }
  CF.setLikeState = setLikeState;

  /* Why a like was refused, in the block's alert; an account whose address is not confirmed yet gets a
     link to ask for a new confirmation mail (the API's message names that page by its path). */
  function showLikeRefusal(error, problem) {
    error.textContent = "";
    if (problem.code === "email_not_confirmed") {
      var link = document.createElement("a");
      link.href = "/account/confirm";
      link.textContent = "get a new link";
      error.append("Confirm your email address first: open the link we mailed you, or ", link, ".");
    } else {
      error.textContent = problem.message;
    }
    error.hidden = false;
  }

  function toggleLike(block, button) {
    var error = block.querySelector(".like__error");
    var liked = block.getAttribute("data-liked") === "true";
    /* A disabled button loses the focus: give it back once the like is saved (found from outside: the
       focus fell to the page's top after a like made with the keyboard). */
    var focused = document.activeElement === button;
    button.disabled = true;
    block.setAttribute("aria-busy", "true");
    CF.api(liked ? "DELETE" : "POST", block.getAttribute("data-api-url"))
      .then(function (state) {
        setLikeState(block, state.likes, state.liked);
        if (error) {
          error.hidden = true;
        }
        CF.announce((state.liked ? "Liked. " : "Like withdrawn. ") + CF.plural(state.likes, "like") + ".");
      })
      .catch(function (problem) {
        if (problem.status === 401) {
          window.location.href = "/account/login?next=" + encodeURIComponent(window.location.pathname);
          return;
        }
        if (error) {
          showLikeRefusal(error, problem);
        }
      })
      .then(function () {
        button.disabled = false;
        block.removeAttribute("aria-busy");
        if (focused) {
          button.focus();
        }
      });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var block = form.closest && form.closest(".like[data-like-issue]");
    if (!block || !window.fetch) {
      return;
    }
    event.preventDefault();
    toggleLike(block, form.querySelector("button"));
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button[data-like-toggle]");
    var block = button && button.closest(".like[data-like-issue]");
    if (block) {
      event.preventDefault();
      toggleLike(block, button);
    }
  });

  /* A form marked data-submit-once is sent once: a double tap on its button (which a phone makes easily)
     sent a report twice (found from outside). This listener runs after the form's own, so a send they
     stopped (a missing pin, a photo too large) leaves the form free; after 15 s, or back in history, it
     is free again in case the first send never arrived. */
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-submit-once") || event.defaultPrevented) {
      return;
    }
    if (form.getAttribute("data-sending")) {
      event.preventDefault();
      return;
    }
    form.setAttribute("data-sending", "yes");
    window.setTimeout(function () {
      form.removeAttribute("data-sending");
    }, 15000);
  });
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[data-sending]").forEach(function (form) {
      form.removeAttribute("data-sending");
    });
  });

  /* Reports being typed, kept in this browser per account (report-draft.js). The page a sent report opens
     (the problem page at #sent) removes the draft this tab sent, named in sessionStorage as it went. */
  CF.reportDrafts = (function () {
    try {
      var storage = window.localStorage;
      storage.getItem("commonfix.probe");
      return {
        storage: storage,
        key: function (owner) {
          return "commonfix.report-draft." + (owner || "anyone");
        }
      };
    } catch (error) {
      return null; /* storage refused (some private windows): nothing is kept */
    }
  })();
  if (window.location.hash === "#sent") {
    try {
      var sent = window.sessionStorage.getItem("commonfix.report-sending");
      if (sent && CF.reportDrafts) {
        CF.reportDrafts.storage.removeItem(sent);
      }
      window.sessionStorage.removeItem("commonfix.report-sending");
    } catch (error) {
      /* nothing was kept */
    }
    window.history.replaceState(null, "", window.location.pathname + window.location.search);
  }

  /* The phone menu: without JS the nav is simply shown; with JS it folds behind "Menu". */
  document.addEventListener("DOMContentLoaded", function () {
    var toggle = document.querySelector(".nav-toggle");
    var nav = document.getElementById("site-nav");
    if (toggle && nav) {
      var setOpen = function (open) {
        toggle.setAttribute("aria-expanded", open ? "true" : "false");
        nav.classList.toggle("is-open", open);
      };
      toggle.addEventListener("click", function () {
        setOpen(toggle.getAttribute("aria-expanded") !== "true");
      });
      /* Escape folds the open menu and returns to its button, as a menu button's users expect. */
      document.addEventListener("keydown", function (event) {
        if (event.key === "Escape" && toggle.getAttribute("aria-expanded") === "true") {
          setOpen(false);
          toggle.focus();
        }
      });
    }
    /* A "select all" box (data-select-all="NAME", shown only with scripts): ticks or unticks every box
       of that name in its form, and reads as mixed when only some are ticked (found from outside: an
       official ticked 50 rows one by one). */
    document.querySelectorAll("input[data-select-all]").forEach(function (all) {
      var name = all.getAttribute("data-select-all");
      var selector = 'input[type="checkbox"][name="' + name + '"][form="' + all.getAttribute("form") + '"]';
      var boxes = function () {
        return Array.prototype.slice.call(document.querySelectorAll(selector));
      };
      var sync = function () {
        var list = boxes();
        var ticked = list.filter(function (box) {
          return box.checked;
        }).length;
        all.checked = list.length > 0 && ticked === list.length;
        all.indeterminate = ticked > 0 && ticked < list.length;
      };
      all.hidden = false;
      all.addEventListener("change", function () {
        boxes().forEach(function (box) {
          box.checked = all.checked;
        });
      });
      document.addEventListener("change", function (event) {
        if (event.target !== all && event.target.matches && event.target.matches(selector)) {
          sync();
        }
      });
      sync();
    });
    /* A map's popup: opened from a pin with the keyboard it takes the focus (its links and buttons come
       next, not the next pin), and Escape closes it and gives the focus back to the pin (found from
       outside: Escape left popups open). */
    document.querySelectorAll("[data-cf-map]").forEach(function (frame) {
      var map = CF.mapOf(frame);
      if (!map) {
        return;
      }
      var opener = null;
      var shown = null;
      map.on("popupopen", function (event) {
        shown = event.popup;
        var active = document.activeElement;
        opener = active && active.classList.contains("leaflet-marker-icon") ? active : null;
        var box = event.popup.getElement();
        if (opener && box) {
          var first = box.querySelector("a[href], button:not([disabled]), input, select, textarea");
          if (!first) {
            box.setAttribute("tabindex", "-1");
          }
          (first || box).focus({ preventScroll: true });
        }
      });
      map.on("popupclose", function () {
        shown = null;
      });
      map.getContainer().addEventListener("keydown", function (event) {
        if (event.key === "Escape" && shown) {
          event.stopPropagation();
          map.closePopup();
          if (opener && document.contains(opener)) {
            opener.focus();
          }
        }
      });
    });
    /* After a failed submit, take keyboard and screen-reader users to the list of problems. */
    var summary = document.getElementById("error-summary");
    if (summary) {
      summary.focus();
    }
    /* A form that returns to a part of its page (My Commonfix's #money, a problem's #backing) has its
       message shown at the top of that part, where the resident is, not at the page's top, out of view
       on a phone. Without scripts it stays at the top. */
    var flashes = document.querySelector(".flashes");
    var partId = window.location.hash.slice(1);
    var part = partId ? document.getElementById(partId) : null;
    if (flashes && part && /^(SECTION|ARTICLE|DIV|FORM)$/.test(part.tagName) && !document.body.classList.contains("page-map")) {
      var heading = part.firstElementChild;
      var after = heading && /^H[1-6]$/.test(heading.tagName) ? heading.nextSibling : part.firstChild;
      flashes.classList.add("flashes--in-part");
      part.insertBefore(flashes, after);
      part.scrollIntoView();
    }
    /* A refused form shown again: take the person to what was refused, however far down the page it
       is (a staff panel's duplicate, a status's retype question, the blocks page on a phone), unless
       the page already chose a place (an anchor, an error summary, a field with autofocus). */
    if (!summary && !part && !document.querySelector("[autofocus]")) {
      var refused = document.querySelector(
        '[aria-invalid="true"], .field--invalid input, .field--invalid select, .field--invalid textarea, .form-errors[role="alert"]'
      );
      if (refused) {
        var folded = refused.closest("details");
        if (folded) {
          folded.open = true;
        }
        refused.scrollIntoView({ block: "center" });
        if (refused.matches("input, select, textarea")) {
          refused.focus({ preventScroll: true });
        }
      }
    }
    /* After an action, its message takes the focus where nothing else did (no error summary, no refused
       field, no autofocus): a screen reader reads it, and the keyboard goes on from there, as GOV.UK's
       notification banner does (found from outside: after a status change, a note or a hide the focus
       was at the page's top and the message was never announced). */
    if (flashes && !summary && !document.querySelector("[autofocus]") && document.activeElement === document.body &&
        !document.body.classList.contains("page-map")) {
      flashes.setAttribute("tabindex", "-1");
      flashes.focus({ preventScroll: true });
    }
    /* A text box with a limit says how much room is left once most is used, and says so when pasted
       text was cut at the limit (the browser cuts it without a word: found from outside, in a
       description, then in a report's title of 120 characters). */
    document.querySelectorAll('textarea[maxlength], input[type="text"][maxlength]').forEach(function (area) {
      var max = parseInt(area.getAttribute("maxlength"), 10);
      if (!(max > 0)) {
        return;
      }
      var count = document.createElement("p");
      count.className = "field__hint field__count";
      count.setAttribute("aria-live", "polite");
      area.insertAdjacentElement("afterend", count);
      var show = function (cut) {
        var used = area.value.length;
        count.hidden = !cut && used < max * 0.8;
        count.textContent = used.toLocaleString("en") + " of " + max.toLocaleString("en") + " characters" +
          (cut ? ": what you pasted was cut at the limit." : ".");
      };
      area.addEventListener("input", function () {
        show(false);
      });
      area.addEventListener("paste", function (event) {
        var pasted = (event.clipboardData && event.clipboardData.getData("text")) || "";
        var room = max - area.value.length + (area.selectionEnd - area.selectionStart);
        if (pasted.length > room) {
          window.setTimeout(function () {
            show(true);
          }, 0);
        }
      });
      show(false);
    });
    /* Messages can be dismissed; on the map page they leave by themselves to free the screen. */
    document.querySelectorAll(".flash").forEach(function (flash) {
      var close = document.createElement("button");
      close.type = "button";
      close.className = "flash__close";
      close.setAttribute("aria-label", "Dismiss message");
      close.textContent = "\u00d7";
      close.addEventListener("click", function () {
        flash.remove();
      });
      flash.appendChild(close);
      if (document.body.classList.contains("page-map")) {
        window.setTimeout(function () {
          flash.remove();
        }, 6000);
      }
    });
    document.querySelectorAll("[data-history-back]").forEach(function (link) {
      link.addEventListener("click", function (event) {
        if (window.history.length > 1) {
          event.preventDefault();
          window.history.back();
        }
      });
    });
  });
})();
