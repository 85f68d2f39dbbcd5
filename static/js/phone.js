// A search's filters on a small screen. This script alone opens and folds them (no other script
// touches these <details>), so the two never disagree:
// - the panel (details[data-fold-on-phone]): on a phone it starts folded behind its "Filters" button,
//   so the results come first; on a wider screen it is always open (the button is hidden there);
// - "More filters" (details.filters__more): inside the phone's panel every filter shows at once, one
//   button is enough; where the filters stand above the results (up to 900 px) it starts folded, so the
//   results are in view; beside the results it is always open.
// Without JavaScript both stay open, and neither folds with an error to show in it.
(function () {
  "use strict";
  var phone = window.matchMedia("(max-width: 640px)");
  var stacked = window.matchMedia("(max-width: 900px)");

  // Fold once, when the page first fits this width: after that the person's own choice stands.
  function foldOnce(details) {
    if (details.dataset.folded) return;
    details.dataset.folded = "true";
    if (!details.querySelector(".errorlist")) details.open = false;
  }

  function fit() {
    document.querySelectorAll("details[data-fold-on-phone]").forEach(function (panel) {
      if (phone.matches) foldOnce(panel);
      else panel.open = true;
    });
    document.querySelectorAll("details.filters__more").forEach(function (more) {
      var inPanel = more.closest("details[data-fold-on-phone]");
      if ((phone.matches && inPanel) || !stacked.matches) more.open = true;
      else foldOnce(more);
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", fit);
  else fit();
  phone.addEventListener("change", fit);
  stacked.addEventListener("change", fit);
})();
