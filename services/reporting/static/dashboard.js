// The dashboard's only script: choosing a period reloads the page, and a whole table row
// opens its unit. Everything else is rendered by the server, so the page also works without
// JavaScript (the unit names are plain links).
(function () {
  "use strict";
  var select = document.getElementById("period-select");
  if (select) {
    select.addEventListener("change", function () {
      document.getElementById("period-filter").submit();
    });
  }
  var rows = document.querySelectorAll("tr[data-href]");
  Array.prototype.forEach.call(rows, function (row) {
    row.classList.add("clickable");
    row.addEventListener("click", function (event) {
      if (event.target.tagName !== "A") {
        window.location.href = row.getAttribute("data-href");
      }
    });
  });
})();
