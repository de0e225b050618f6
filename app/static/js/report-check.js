/* The report form's required parts (the pin, the category, the title, the description) are checked here
   before it is sent, in the server's words (each control's data-required). Found from outside: a form
   the server sends back cannot keep the chosen photo, and on a phone that photo was often just taken
   with the camera for this report. Each refusal goes once its control is changed (refusals.js), as the
   server's do. The server still checks everything; errors it wrote stay until it answers again. */
(function () {
  "use strict";

  var form = document.getElementById("report-form");
  if (!form) {
    return;
  }

  /* Where a control's error is said: the pin's beside the map (its fieldset), the others above the control. */
  function spot(control) {
    if (control.id === "lat") {
      var place = document.getElementById("place");
      return { box: place, before: document.getElementById("place-hint").nextSibling, id: "place-error", owner: place };
    }
    return { box: control.closest(".field"), before: control, id: control.id + "-error", owner: control };
  }

  function describedBy(owner, id, on) {
    var ids = (owner.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
    var at = ids.indexOf(id);
    if (on && at < 0) {
      ids.push(id);
    } else if (!on && at >= 0) {
      ids.splice(at, 1);
    }
    owner.setAttribute("aria-describedby", ids.join(" "));
  }

  function say(control, message) {
    var where = spot(control);
    var line = document.getElementById(where.id);
    if (!line) {
      line = document.createElement("p");
      line.className = "field__error";
      line.id = where.id;
      line.setAttribute("data-said-here", "yes");
      where.box.insertBefore(line, where.before);
    }
    line.textContent = message;
    line.hidden = false;
    where.box.classList.add("field--invalid");
    describedBy(where.owner, where.id, true);
    if (control.id === "lat") {
      /* the pin moves the longitude's field last (report-page.js): its change is the correction */
      var lon = document.getElementById("lon");
      lon.setAttribute("data-error-anchor", "place");
      window.Commonfix.refuse(lon);
    } else {
      control.setAttribute("aria-invalid", "true");
      window.Commonfix.refuse(control);
    }
  }

  function unsay(control) {
    var where = spot(control);
    var line = document.getElementById(where.id);
    if (!line || !line.hasAttribute("data-said-here")) {
      return; /* the server's words stay until it answers again */
    }
    line.remove();
    where.box.classList.remove("field--invalid");
    describedBy(where.owner, where.id, false);
    control.removeAttribute("aria-invalid");
  }

  function focusOn(control) {
    if (control.id === "lat") {
      var place = document.getElementById("place");
      var target = place.querySelector(".leaflet-container") || document.getElementById("use-location");
      place.scrollIntoView({ block: "start" });
      target.focus({ preventScroll: true });
      return;
    }
    control.focus();
  }

  form.addEventListener("submit", function (event) {
    var missing = [];
    form.querySelectorAll("[data-required]").forEach(function (control) {
      if (control.value.trim()) {
        unsay(control);
      } else {
        say(control, control.getAttribute("data-required"));
        missing.push(control);
      }
    });
    if (missing.length) {
      event.preventDefault();
      focusOn(missing[0]);
    }
  });
})();
