/* The problem page: neighbourhood outlines around the pin (Like / Unlike lives in commonfix.js). */
(function () {
  "use strict";
  var map = window.Commonfix.mapOf(document.querySelector("[data-cf-map]"));
  if (map) {
    window.Commonfix.addAreaOutlines(map);
  }
})();
