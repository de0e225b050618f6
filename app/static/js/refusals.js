/* Commonfix: a refused field that has been changed no longer shows its refusal. Found from outside: after
   an empty report was sent back, "Title is required." stayed beside the title the resident then typed,
   and "Place the pin" beside a placed pin, so the form seemed to refuse what was now right.

   The server marks each control it refused with data-refused (macros/forms.html `field`); a control
   whose refusal is shown elsewhere names it with data-error-anchor (the report's hidden lon: the map's
   "place"). Once such a control holds something else than what was refused (the pin put back where it
   was, on the page's return, is not a change), its error line (#ANCHOR-error) and red bar are
   hidden, its line in the summary at the top (#error-summary) too, and the summary itself once none is
   left. The server checks everything again when the form is sent. This listens in the capture phase,
   before the page's own checks, so one of those (the photo's size) may mark the control invalid
   again. This file runs before the pages' own scripts, so what was refused is noted before any of
   them changes a control. */
(function () {
  "use strict";

  function current(control) {
    return control.type === "checkbox" || control.type === "radio" ? String(control.checked) : control.value;
  }

  var refused = new Map();
  document.querySelectorAll("[data-refused]").forEach(function (control) {
    refused.set(control, current(control));
  });

  function settle(event) {
    var control = event.target;
    if (!refused.has(control) || current(control) === refused.get(control)) {
      return;
    }
    refused.delete(control);
    var anchor = control.getAttribute("data-error-anchor") || control.id;
    control.removeAttribute("data-refused");
    control.removeAttribute("aria-invalid");
    var wrapper = control.closest(".field--invalid"); /* its red bar (the report's pin: the whole fieldset) */
    if (wrapper) {
      wrapper.classList.remove("field--invalid");
    }
    var line = document.getElementById(anchor + "-error");
    if (line) {
      line.hidden = true;
    }
    var summary = document.getElementById("error-summary");
    if (!summary) {
      return;
    }
    summary.querySelectorAll('a[href="#' + anchor + '"]').forEach(function (link) {
      var item = link.closest("li") || link.closest("p");
      if (item) {
        item.hidden = true;
      }
    });
    var left = Array.prototype.some.call(summary.querySelectorAll("li"), function (item) {
      return !item.hidden;
    });
    if (!left) {
      summary.hidden = true;
    }
  }

  document.addEventListener("input", settle, true);
  document.addEventListener("change", settle, true);

  /* A page's own check before sending (report-check.js) refuses a control as the server does: its
     refusal goes the same way once the control is changed. */
  window.Commonfix.refuse = function (control) {
    control.setAttribute("data-refused", "");
    refused.set(control, current(control));
  };
})();
