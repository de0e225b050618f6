/* The city match form (treasurers' page): what the typed ratio and cap would add, said as they are typed.
   Found from outside: a cap typed as "1,5" for 15 matched EUR 1.50 for EUR 125.00 of pledges, which
   then counted as matched for good. The server decides (services/funding/matching.apply_match); this
   says the same sum, min(cap, floor(pledges x ratio)), in whole cents, before the button is pressed. */
(function () {
  "use strict";

  var CF = window.Commonfix;
  var preview = document.getElementById("match-preview");
  if (!preview) {
    return;
  }
  var form = preview.closest("form");
  var unmatched = Number(preview.getAttribute("data-unmatched-cents")) || 0;
  var currency = preview.getAttribute("data-currency");

  function whole(id) {
    var value = form.querySelector("#" + id).value.trim();
    return /^\d{1,3}$/.test(value) ? Number(value) : 0;
  }

  /* "1,5", "15" or "1000.00" in cents, as the server reads an amount; null when it would refuse it. */
  function cents(text) {
    var found = /^\s*(\d{1,10})(?:[.,](\d{1,2}))?\s*$/.exec(text);
    if (!found) {
      return null;
    }
    return Number(found[1]) * 100 + Number((found[2] || "0").padEnd(2, "0"));
  }

  function money(amount) {
    return CF.formatMoney(amount, currency);
  }

  function say() {
    var num = whole("ratio_num");
    var den = whole("ratio_den");
    var cap = cents(form.querySelector("#cap").value);
    if (!num || !den || cap === null || !unmatched) {
      preview.hidden = true;
      preview.textContent = "";
      return;
    }
    var full = Math.floor((unmatched * num) / den);
    var added = Math.min(cap, full);
    var words = "The city would add " + money(added) + " for the " + money(unmatched) + " of pledges not matched before";
    if (cap < full) {
      words += ": the cap holds it below " + num + ":" + den + ", which would be " + money(full) +
        ". Those pledges then count as matched, so a later match will not add the other " + money(full - added) + ".";
    } else {
      words += ".";
    }
    preview.textContent = words;
    preview.hidden = false;
    preview.classList.toggle("match-preview--capped", cap < full);
  }

  form.addEventListener("input", say);
  say();
})();
