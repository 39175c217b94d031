// The climate report prints whole: every closed section is opened for printing and closed again after. Browsers
// with ::details-content need no help (report-print.css shows closed sections); this covers the others.
(function () {
  "use strict";
  var opened = [];
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll(".report details:not([open])").forEach(function (details) {
      details.open = true;
      opened.push(details);
    });
  });
  window.addEventListener("afterprint", function () {
    opened.forEach(function (details) { details.open = false; });
    opened = [];
  });
})();
