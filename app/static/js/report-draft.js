/* The report being typed is kept in this browser until it is sent, so a page the phone drops (the camera
   app took its memory, the session ended, the network failed) comes back filled in: the pin, category,
   title, description and "hide my name" (never the photo: no page can fill in a file field). The draft
   is kept per account, for a week, in this browser's localStorage and nowhere else. It goes once the
   report is sent (commonfix.js clears it on the problem page the report opens, at #sent) or with
   "Start afresh". Loaded before report-page.js, which shows a restored pin as it shows a sent-back one. */
(function () {
  "use strict";

  var form = document.getElementById("report-form");
  var notice = document.getElementById("draft-notice");
  var store = window.Commonfix && window.Commonfix.reportDrafts;
  if (!form || !notice || !store) {
    return;
  }
  var KEY = store.key(form.getAttribute("data-draft-owner"));
  var WEEK_MS = 7 * 24 * 3600 * 1000;
  var FIELDS = ["lat", "lon", "category", "title", "description"];

  function input(name) {
    return form.elements.namedItem(name);
  }

  function read() {
    try {
      var draft = JSON.parse(store.storage.getItem(KEY) || "null");
      return draft && typeof draft === "object" && Date.now() - draft.savedAt < WEEK_MS ? draft : null;
    } catch (error) {
      return null;
    }
  }

  function typed() {
    var title = input("title");
    var description = input("description");
    return Boolean(input("lat").value || (title && title.value.trim()) || (description && description.value.trim()));
  }

  var discarded = false; /* "Start afresh": nothing is kept while the page reloads */

  function save() {
    if (discarded || !typed()) {
      return;
    }
    var draft = { savedAt: Date.now(), hideName: Boolean(input("hide_name") && input("hide_name").checked) };
    FIELDS.forEach(function (name) {
      var field = input(name);
      draft[name] = field ? field.value : "";
    });
    try {
      store.storage.setItem(KEY, JSON.stringify(draft));
    } catch (error) {
      /* Storage full or refused (a private window): the report can still be sent, just not kept. */
    }
  }

  function restore(draft) {
    FIELDS.forEach(function (name) {
      var field = input(name);
      if (field && typeof draft[name] === "string") {
        field.value = draft[name];
      }
    });
    var category = input("category");
    if (category && category.selectedIndex < 0) {
      category.selectedIndex = 0; /* a category the city has since removed */
    }
    if (input("hide_name")) {
      input("hide_name").checked = Boolean(draft.hideName);
    }
    var when = new Date(draft.savedAt);
    var time = when.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
    var today = when.toDateString() === new Date().toDateString();
    notice.querySelector("[data-draft-time]").textContent = today
      ? time + " today"
      : when.toLocaleDateString([], { weekday: "long" }) + " " + time;
    notice.hidden = false;
  }

  /* A form the server sent back keeps its own values; only a fresh, empty form takes the draft. */
  var draft = read();
  if (draft && !typed()) {
    restore(draft);
  } else if (!draft) {
    store.storage.removeItem(KEY); /* a week old, or unreadable */
  }

  notice.querySelector("[data-draft-discard]").addEventListener("click", function () {
    discarded = true;
    store.storage.removeItem(KEY);
    window.location.reload();
  });
  form.addEventListener("submit", function () {
    save();
    try {
      window.sessionStorage.setItem("commonfix.report-sending", KEY); /* for the page the report opens */
    } catch (error) {
      /* then the draft stays until "Start afresh" or a week has passed */
    }
  });
  form.addEventListener("input", save);
  form.addEventListener("change", save); /* report-page.js says "change" on the coordinates when the pin moves */
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") {
      save();
    }
  });
})();
