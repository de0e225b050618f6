// The ballot page: the bar (a <meter>) and count against the ballot's limit (money, picks or points),
// choices that no longer fit marked and refused in the page, and whether the ballot is saved.
(function () {
  "use strict";
  var form = document.querySelector("form.ballot");
  var out = document.getElementById("ballot-tally");
  if (!form || !out) return;
  var kind = form.dataset.ballot;
  var k = parseInt(form.dataset.k, 10);
  var budget = parseInt(form.dataset.budget, 10);
  var allowance = parseInt(form.dataset.points, 10);
  var currency = form.dataset.currency || "";
  var meter = document.getElementById("ballot-meter");
  var saved = document.getElementById("ballot-saved");
  var refused = document.getElementById("ballot-refusal");
  var panel = out.closest(".ballot__status");
  var boxes = Array.prototype.slice.call(form.querySelectorAll("input[name=issue_ids]"));
  var refusal = "";

  function money(cents) {
    return window.Commonfix.formatMoney(cents, currency);
  }

  function plural(n, one, many) {
    return n + " " + (n === 1 ? one : many);
  }

  // What the ticked boxes other than `except` cost, and how many they are.
  function chosenCost(except) {
    var cost = 0;
    boxes.forEach(function (box) {
      if (box.checked && box !== except) cost += parseInt(box.dataset.cost, 10) || 0;
    });
    return cost;
  }

  function ticked(except) {
    return boxes.filter(function (box) { return box.checked && box !== except; }).length;
  }

  // Why `box` cannot be added beside the other choices, or "" when it can. (A click has already
  // ticked the box when its handler runs, so the box itself is never counted.)
  function blocker(box) {
    if (kind === "knapsack") {
      var left = budget - chosenCost(box);
      var cost = parseInt(box.dataset.cost, 10) || 0;
      if (cost > left) return "Does not fit: it costs " + money(cost) + ", " + money(left) + " is left.";
    }
    if (kind === "k-approval" && ticked(box) >= k) {
      return "No picks left: untick one first to choose this.";
    }
    return "";
  }

  function mark() {
    boxes.forEach(function (box) {
      var why = box.checked ? "" : blocker(box);
      var note = document.getElementById("fit-" + box.value);
      var item = box.closest(".ballot__item");
      box.setAttribute("aria-disabled", why ? "true" : "false");
      if (item) item.classList.toggle("is-blocked", !!why);
      // A problem dearer than the whole pool already says so; it needs no second note.
      var said = why && !(item && item.classList.contains("is-too-dear"));
      if (note) {
        note.textContent = said ? why : "";
        note.hidden = !said;
      }
    });
  }

  function update() {
    var text, over = false;
    if (kind === "cumulative") {
      var total = 0, below = [];
      form.querySelectorAll("input.ballot__input").forEach(function (input) {
        var value = parseInt(input.value, 10);
        if (!isNaN(value)) total += value;
        if (value < 0) below.push(input.dataset.title);
      });
      over = below.length > 0 || total > allowance;
      if (below.length) {
        // Found from outside: -2 points on one problem read as "2 more points left".
        text = "Points cannot be below 0: give 0 or more to " + below.join(", ") + ".";
      } else {
        text = total > allowance
          ? plural(total - allowance, "point", "points") + " too many: " + total + " of " + allowance + " given"
          : plural(allowance - total, "point", "points") + " left (" + total + " of " + allowance + " given)";
      }
      if (meter) meter.value = Math.max(0, Math.min(total, allowance));
    } else {
      var count = ticked();
      text = plural(count, "problem", "problems") + " chosen";
      if (kind === "k-approval") {
        over = count > k;
        text = over
          ? plural(count - k, "pick", "picks") + " too many: " + count + " of " + k + " chosen"
          : plural(k - count, "pick", "picks") + " left (" + count + " of " + k + " chosen)";
        if (meter) meter.value = Math.min(count, k);
      }
      if (kind === "knapsack") {
        var cost = chosenCost();
        over = cost > budget;
        text += over
          ? " · " + money(cost) + ", " + money(cost - budget) + " more than the " + money(budget) + " pool"
          : " · " + money(cost) + " of " + money(budget) + ", " + money(budget - cost) + " left";
        if (meter) meter.value = Math.min(cost, budget);
      }
      mark();
    }
    out.textContent = text;
    out.classList.toggle("is-over", over);
    if (panel) panel.classList.toggle("is-over", over);
    if (refused) {
      refused.textContent = refusal;
      refused.hidden = !refusal;
    }
    refusal = "";
  }

  // A choice that does not fit is refused in the page; the server refuses it too.
  boxes.forEach(function (box) {
    box.addEventListener("click", function (event) {
      var why = box.checked ? blocker(box) : "";  // ticking it; unticking is always allowed
      if (why) {
        event.preventDefault();
        refusal = "Not added: " + box.dataset.title + ". " + why;
        window.setTimeout(update, 0);  // after the browser has put the box back
      }
    });
  });

  function changed() {
    if (saved) {
      saved.textContent = "Changes not saved yet: press “Save my ballot” to keep them.";
      saved.classList.remove("is-saved");
      saved.classList.add("is-unsaved");
    }
  }

  form.addEventListener("input", function () { update(); changed(); });
  form.addEventListener("change", function () { update(); changed(); });
  update();
})();
