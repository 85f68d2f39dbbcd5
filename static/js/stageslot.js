// Small progressive enhancements; every page works without this file.
(function () {
  "use strict";

  // Preselect the browser's time zone in a zone picker still at its default.
  function presetTimeZone(root) {
    var zone;
    try {
      zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    } catch (e) {
      return;
    }
    if (!zone) return;
    root.querySelectorAll("select[data-browser-timezone]").forEach(function (select) {
      if (select.dataset.touched || select.value !== "UTC") return;
      var option = Array.prototype.find.call(select.options, function (o) { return o.value === zone; });
      if (option) select.value = zone;
    });
  }

  // Close the user menu on Escape or a click elsewhere.
  function wireMenus() {
    document.addEventListener("keydown", function (event) {
      if (event.key !== "Escape") return;
      document.querySelectorAll("details.usermenu[open]").forEach(function (d) {
        d.removeAttribute("open");
        d.querySelector("summary").focus();
      });
    });
    document.addEventListener("click", function (event) {
      document.querySelectorAll("details.usermenu[open]").forEach(function (d) {
        if (!d.contains(event.target)) d.removeAttribute("open");
      });
    });
  }

  // A read-only link field selects itself on focus; its [data-copy-target] button (hidden until
  // the clipboard is there to use) copies it and says so for two seconds.
  function wireCopyButtons(root) {
    root.querySelectorAll("[data-select-on-focus]:not([data-select-wired])").forEach(function (input) {
      input.dataset.selectWired = "1";
      input.addEventListener("focus", function () { input.select(); });
    });
    if (!navigator.clipboard) return;
    root.querySelectorAll("[data-copy-target]").forEach(function (button) {
      var input = document.getElementById(button.dataset.copyTarget);
      if (!input || button.dataset.copyWired) return;
      var label = button.textContent;
      button.dataset.copyWired = "1";
      button.hidden = false;
      button.addEventListener("click", function () {
        navigator.clipboard.writeText(input.value).then(function () {
          button.textContent = "Copied";
          setTimeout(function () { button.textContent = label; }, 2000);
        }, function () { input.select(); });
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    presetTimeZone(document);
    wireMenus();
    wireCopyButtons(document);
  });
  document.addEventListener("htmx:load", function (event) {
    presetTimeZone(event.target);
    wireCopyButtons(event.target);
  });
})();
