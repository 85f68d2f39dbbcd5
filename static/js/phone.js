// On a phone a search's filter panel starts folded behind its "Filters" button, so the results come
// first; on a wider screen it is always open (the button is hidden there). Without JavaScript it stays open.
(function () {
  "use strict";
  var phone = window.matchMedia("(max-width: 640px)");

  function fit() {
    document.querySelectorAll("details[data-fold-on-phone]").forEach(function (panel) {
      if (!phone.matches) {
        panel.open = true;
        return;
      }
      // Inside the panel every filter shows at once: one button is enough.
      panel.querySelectorAll("details.filters__more").forEach(function (more) { more.open = true; });
      if (panel.dataset.folded) return;
      panel.dataset.folded = "true";
      if (!panel.querySelector(".errorlist")) panel.open = false;
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", fit);
  else fit();
  phone.addEventListener("change", fit);
})();
