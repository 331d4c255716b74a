// Residency Scheduler: the little behaviour the pages need (everything works without it, only slower).
(function () {
  "use strict";
  // Open a grid cell's editor in the side panel instead of a new page.
  document.addEventListener("click", function (ev) {
    var a = ev.target.closest && ev.target.closest("#grid td a");
    if (a && window.htmx) {
      ev.preventDefault();
      var panel = document.getElementById("panel");
      htmx.ajax("GET", a.href, { target: "#panel", swap: "innerHTML" }).then(function () {
        var first = panel.querySelector("select, input:not([type=hidden])");
        if (first) first.focus();
      });
      panel.dataset.from = "";
      window.__lastCell = a;
      return;
    }
    var close = ev.target.closest && ev.target.closest("[data-close]");
    if (close && close.closest("#panel")) {
      ev.preventDefault();
      document.getElementById("panel").innerHTML = "";
      if (window.__lastCell) window.__lastCell.focus();
    }
    var copy = ev.target.closest && ev.target.closest("[data-copy]");
    if (copy) {
      var field = document.querySelector(copy.getAttribute("data-copy"));
      field.select();
      var done = function () { var s = document.getElementById("copied"); if (s) s.textContent = "Copied."; };
      if (navigator.clipboard) navigator.clipboard.writeText(field.value).then(done, done); else { document.execCommand("copy"); done(); }
    }
  });
  document.addEventListener("keydown", function (ev) {
    if (ev.key === "Escape") {
      var panel = document.getElementById("panel");
      if (panel && panel.innerHTML) { panel.innerHTML = ""; if (window.__lastCell) window.__lastCell.focus(); }
    }
  });
  // Bring today's column into view in the block grid.
  document.addEventListener("DOMContentLoaded", function () {
    var t = document.querySelector("#grid thead th.t");
    var wrap = document.querySelector(".grid-wrap");
    if (t && wrap) wrap.scrollLeft = Math.max(0, t.offsetLeft - 200);
    var hl = document.querySelector("#grid td.hl");
    if (hl && wrap) wrap.scrollLeft = Math.max(0, hl.offsetLeft - 200);
  });
})();
