// The availability page: the quick-action dialog and the repeat fields. Every page works without it.
(function () {
  "use strict";

  var dialog = function () { return document.getElementById("cal-dialog"); };

  // Show only the fields that apply: data-show-when="repeat=WEEKLY repeat=MONTHLY", data-hide-when="all_day".
  function fieldValue(form, name) {
    var checked = form.querySelector('[name="' + name + '"]:checked');
    if (checked) return checked.type === "checkbox" ? "on" : checked.value;
    var field = form.querySelector('select[name="' + name + '"], input[name="' + name + '"]:not([type="radio"]):not([type="checkbox"])');
    return field ? field.value : "";
  }

  function applyConditions(form) {
    form.querySelectorAll("[data-show-when]").forEach(function (part) {
      var show = part.dataset.showWhen.split(" ").some(function (condition) {
        var pair = condition.split("=");
        return fieldValue(form, pair[0]) === pair[1];
      });
      part.hidden = !show;
    });
    form.querySelectorAll("[data-hide-when]").forEach(function (part) {
      part.hidden = fieldValue(form, part.dataset.hideWhen) === "on";
    });
  }

  var CODES = ["SU", "MO", "TU", "WE", "TH", "FR", "SA"];

  // The weekly repeat preselects the first day's weekday; follow the first day while that is all it holds.
  function followWeekday(form, before, after) {
    var boxes = form.querySelectorAll('input[name="weekdays"]');
    var checked = Array.prototype.filter.call(boxes, function (b) { return b.checked; });
    var was = CODES[new Date(before + "T12:00:00").getDay()];
    var now = CODES[new Date(after + "T12:00:00").getDay()];
    if (checked.length !== 1 || checked[0].value !== was) return;
    boxes.forEach(function (b) { b.checked = b.value === now; });
  }

  // Moving the first day moves the last day with it, so a block keeps its length.
  function keepSpan(form) {
    var first = form.querySelector('input[name="start_date"]');
    var last = form.querySelector('input[name="end_date"]');
    if (!first || !last) return;
    var before = first.value;
    first.addEventListener("change", function () {
      var from = Date.parse(before), to = Date.parse(first.value), end = Date.parse(last.value);
      if (!isNaN(from) && !isNaN(to) && !isNaN(end)) {
        last.value = new Date(end + (to - from)).toISOString().slice(0, 10);
      } else if (!isNaN(to) && !last.value) {
        last.value = first.value;
      }
      if (before && first.value) followWeekday(form, before, first.value);
      before = first.value;
    });
  }

  function wireForms(root) {
    var forms = Array.prototype.slice.call(root.querySelectorAll("form.cal-form"));
    if (root.matches && root.matches("form.cal-form")) forms.push(root);
    forms.forEach(function (form) {
      if (form.dataset.wired) return;
      form.dataset.wired = "1";
      applyConditions(form);
      form.addEventListener("change", function () { applyConditions(form); });
      keepSpan(form);
    });
  }

  // Start the week's time grid at 06:00 rather than midnight.
  // Choosing "Advanced" under Repeats opens the advanced part, where the rule is written.
  document.addEventListener("change", function (event) {
    var select = event.target;
    if (!select.matches || !select.matches("select[name=repeat]") || !select.form) return;
    var advanced = select.form.querySelector("details[data-open-when-repeat]");
    if (advanced && select.value === advanced.dataset.openWhenRepeat) advanced.open = true;
  });

  function scrollWeek(root) {
    root.querySelectorAll(".cal-week").forEach(function (scroller) {
      var at = parseInt(scroller.dataset.scrollHour || "6", 10);
      var hour = scroller.querySelector(".cal-week__hour:nth-child(" + (at + 1) + ")");
      var head = scroller.querySelector(".cal-week__head");
      if (!hour) return;
      var offset = hour.getBoundingClientRect().top - scroller.getBoundingClientRect().top + scroller.scrollTop;
      scroller.scrollTop = offset - (head ? head.offsetHeight : 0);
    });
  }

  function announce(message) {
    var status = document.getElementById("cal-status");
    if (!status || !message) return;
    status.textContent = message;
    status.classList.add("cal-status--shown");
    window.clearTimeout(announce.timer);
    announce.timer = window.setTimeout(function () { status.classList.remove("cal-status--shown"); }, 6000);
  }

  document.addEventListener("htmx:afterSwap", function (event) {
    var box = dialog();
    if (box && event.detail.target && event.detail.target.id === "cal-dialog-body") {
      if (!box.open) box.showModal();
      var first = box.querySelector("[autofocus], .cal-dialog__body input:not([type=hidden]), .cal-dialog__body .btn, .cal-dialog__body button");
      if (first) first.focus();
    }
  });

  // A change saved on a date the calendar does not show (a block in another month): the calendar moves
  // there instead of reloading where it was. Caught before htmx's own reload of the calendar.
  document.addEventListener("availability-changed", function (event) {
    var calendar = document.getElementById("calendar");
    var day = event.detail && event.detail.date;
    if (!calendar || !day || !window.htmx || !calendar.dataset.first) return;
    if (day >= calendar.dataset.first && day <= calendar.dataset.last) return;
    event.stopPropagation();
    var url = calendar.dataset.calendarUrl + "?view=" + calendar.dataset.view + "&date=" + day;
    window.htmx.ajax("GET", url, { target: "#calendar", swap: "outerHTML" });
    window.history.pushState({}, "", url);
    var box = dialog();
    if (box && box.open) box.close();
    announce(event.detail.message);
  }, true);

  document.addEventListener("availability-changed", function (event) {
    var box = dialog();
    if (box && box.open) box.close();
    announce(event.detail && event.detail.message);
  });

  document.addEventListener("click", function (event) {
    var closer = event.target.closest("[data-close-dialog]");
    var box = dialog();
    if (closer && box) box.close();
    // A click on the backdrop (the dialog element itself, outside its box) closes it too.
    if (box && event.target === box) box.close();
  });

  document.addEventListener("DOMContentLoaded", function () {
    wireForms(document);
    scrollWeek(document);
    var box = dialog();
    if (box) box.addEventListener("close", function () { document.getElementById("cal-dialog-body").replaceChildren(); });
  });
  document.addEventListener("htmx:load", function (event) {
    wireForms(event.detail.elt);
    if (event.detail.elt.matches && event.detail.elt.matches(".cal")) scrollWeek(event.detail.elt);
  });
})();
