// The likes ballot: after a toggle the page comes back at the candidate's card (#candidate-N); keyboard
// and screen-reader users land on that card's button again instead of the top of the page. The browser
// scrolls to the fragment (and resets focus) once the page has loaded, so this runs after that.
(function () {
  "use strict";
  var id = window.location.hash.slice(1);
  if (!/^candidate-[0-9]+$/.test(id)) return;
  function focusToggle() {
    var card = document.getElementById(id);
    var button = card && card.querySelector("button");
    if (button) button.focus();
  }
  if (document.readyState === "complete") {
    window.setTimeout(focusToggle, 0);
  } else {
    window.addEventListener("load", function () {
      window.setTimeout(focusToggle, 0);
    });
  }
})();
