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
          button.textContent = gettext("Copied");
          setTimeout(function () { button.textContent = label; }, 2000);
        }, function () { input.select(); });
      });
    });
  }

  // After an htmx action, move focus to its result: the notice or error marked [data-focus] (with
  // tabindex=-1) that the swap brought in, so keyboard and screen-reader users land on the answer.
  // Those already on the page when it loaded keep still.
  function markSeenResults() {
    document.querySelectorAll("[data-focus]").forEach(function (el) { el.dataset.focusSeen = "1"; });
  }
  // Not the answer of a part of the page that asks by itself: one that loads after the page (hx-trigger "load",
  // "revealed", "intersect") or again and again ("every …"). Nobody asked for it just now, and it would take the focus
  // from wherever the reader is, a field they are typing in included, and scroll the page to itself. htmx hands such
  // a request no event (a click, a key, a submit has one).
  function askedByItself(config) {
    if (!config || config.triggeringEvent || !config.elt || !config.elt.getAttribute) return false;
    return /(^|,)\s*(load|revealed|intersect|every\s)/.test(config.elt.getAttribute("hx-trigger") || "");
  }
  document.addEventListener("htmx:afterSettle", function (event) {
    var ownAccord = askedByItself(event.detail && event.detail.requestConfig);
    var result = !ownAccord && document.querySelector("[data-focus]:not([data-focus-seen])");
    markSeenResults();
    if (result) result.focus();
  });
  document.addEventListener("DOMContentLoaded", markSeenResults);

  // A part of the page that asks for itself again and is replaced by the answer (hx-trigger "every …",
  // hx-swap outerHTML: a live month), asked by the reader for something else while one of its polls is on
  // the way (a month step, queued behind the poll by hx-sync): that poll's answer is not shown. Shown, it
  // would replace the link that asked, and htmx drops a queued request whose element has left the page:
  // the reader's click would be lost.
  document.addEventListener("click", function (event) {
    var asked = event.target.closest && event.target.closest("[hx-get]");
    var polling = asked && asked.parentElement &&
      asked.parentElement.closest('[hx-trigger^="every"][hx-swap="outerHTML"].htmx-request');
    if (polling) polling.dataset.askedMeanwhile = "1";
  }, true);
  document.addEventListener("htmx:beforeSwap", function (event) {
    var polling = event.detail.elt;
    if (polling && polling.dataset && polling.dataset.askedMeanwhile) {
      delete polling.dataset.askedMeanwhile;
      if (event.detail.requestConfig && event.detail.requestConfig.elt === polling) event.detail.shouldSwap = false;
    }
  });

  // "Please wait a little" (429) and "We could not take that input" (a 400 aimed at #main)
  // replace the page's main part, also after an HTMX form.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var xhr = event.detail.xhr;
    // A refusal (409) or bad input (400) that names its place (HX-Retarget) is drawn there, e.g. the
    // timetable's clash beside the form that caused it.
    var retarget = xhr.getResponseHeader("HX-Retarget");
    if (xhr.status === 429 || ((xhr.status === 400 || xhr.status === 409) && retarget)) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  // The pages' Content-Security-Policy allows no inline scripts or style attributes: what they did
  // lives here. Calendars position their pieces with data-style (CSSOM is allowed, markup is not).
  function applyDataStyles(root) {
    if (root.matches && root.matches("[data-style]")) root.style.cssText = root.dataset.style;
    root.querySelectorAll("[data-style]").forEach(function (el) { el.style.cssText = el.dataset.style; });
  }

  // Suggest a web address (slug) from the name until the person types one themselves.
  function wireSlugSuggestion(root) {
    root.querySelectorAll("[data-slug-from]:not([data-slug-wired])").forEach(function (slug) {
      var name = document.getElementById(slug.dataset.slugFrom);
      if (!name) return;
      var touched = slug.value !== "";
      slug.dataset.slugWired = "1";
      function slugify(text) {
        return text.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
          .replace(/[^a-z0-9\s-]/g, "").trim().replace(/[\s-]+/g, "-").slice(0, 120);
      }
      slug.addEventListener("input", function () { touched = slug.value !== ""; });
      name.addEventListener("input", function () { if (!touched) slug.value = slugify(name.value); });
    });
  }

  // A textarea with data-count-into="<id>" says in that element how many characters are left.
  document.addEventListener("input", function (event) {
    var field = event.target;
    if (!field.dataset || !field.dataset.countInto) return;
    var out = document.getElementById(field.dataset.countInto);
    if (!out) return;
    var n = field.maxLength - field.value.length;
    out.textContent = n < 0
      ? interpolate(ngettext("%(count)s character too many", "%(count)s characters too many", -n), { count: -n }, true)
      : interpolate(ngettext("%(count)s character left", "%(count)s characters left", n), { count: n }, true);
  });

  // A search offers "Nearest first" only while a place is given under "Near" (the server draws the
  // sort list so on a whole page). The option comes first and is chosen unless another sort was.
  function offerDistanceSort(event) {
    var near = event.target;
    if (!near || near.name !== "near" || !near.form) return;
    var sort = near.form.querySelector('select[name="sort"]');
    if (!sort) return;
    var option = sort.querySelector('option[value="distance"]');
    var place = near.value.trim() !== "";
    if (place && !option) {
      var untouched = sort.selectedIndex === 0;
      sort.insertBefore(new Option(gettext("Nearest first"), "distance"), sort.firstChild);
      if (untouched) sort.selectedIndex = 0;
    } else if (!place && option) {
      var chosen = option.selected;
      option.remove();
      if (chosen) sort.selectedIndex = 0;
    }
  }
  document.addEventListener("input", offerDistanceSort);
  document.addEventListener("change", offerDistanceSort);

  // htmx: no <style> of its own (the CSP allows none) and no eval.
  if (window.htmx) {
    window.htmx.config.includeIndicatorStyles = false;
    window.htmx.config.allowEval = false;
  }

  document.addEventListener("DOMContentLoaded", function () {
    presetTimeZone(document);
    wireMenus();
    wireCopyButtons(document);
    applyDataStyles(document);
    wireSlugSuggestion(document);
  });
  document.addEventListener("htmx:load", function (event) {
    presetTimeZone(event.target);
    wireCopyButtons(event.target);
    applyDataStyles(event.target);
    wireSlugSuggestion(event.target);
  });
})();
