// The ballot page's live count: ticks against k, total cost against the pool, points against the allowance.
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

  function money(cents) {
    return window.Commonfix.formatMoney(cents, currency);
  }

  function update() {
    var text, over = false;
    if (kind === "cumulative") {
      var total = 0;
      form.querySelectorAll("input.ballot__input").forEach(function (input) {
        var value = parseInt(input.value, 10);
        if (!isNaN(value)) total += value;
        if (value < 0) over = true;
      });
      over = over || total > allowance;
      text = total + " of " + allowance + " points given";
    } else {
      var ticked = form.querySelectorAll("input[name=issue_ids]:checked");
      var cost = 0;
      ticked.forEach(function (box) { cost += parseInt(box.dataset.cost, 10) || 0; });
      text = ticked.length + (ticked.length === 1 ? " problem" : " problems") + " ticked";
      if (kind === "k-approval") {
        text += " (at most " + k + ")";
        over = ticked.length > k;
      }
      if (kind === "knapsack") {
        text += " · " + money(cost) + " of " + money(budget);
        over = cost > budget;
      }
    }
    out.textContent = text + (over ? " — too many for this ballot" : "");
    out.classList.toggle("is-over", over);
  }

  form.addEventListener("input", update);
  form.addEventListener("change", update);
  update();
})();
