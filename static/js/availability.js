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
    returnTo = { opener: opener, date: event.detail && event.detail.date };
    if (box && box.open) box.close();
    announce(event.detail && event.detail.message);
  });

  // Focus after a save: the calendar is drawn again, so the link that opened the dialog is gone and the
  // dialog cannot give focus back to it. Give it to the same link in the new calendar, else to the changed
  // day's "add busy time", else to the calendar itself – never to the top of the page.
  var opener = null;
  var returnTo = null;
  document.addEventListener("htmx:beforeRequest", function (event) {
    var target = event.detail.target, elt = event.detail.elt;
    if (!target || target.id !== "cal-dialog-body" || !elt || !elt.closest || !elt.closest("#calendar")) return;
    opener = elt.getAttribute("hx-get") || elt.getAttribute("href");
  });
  document.addEventListener("htmx:afterSettle", function () {
    var calendar = document.getElementById("calendar");
    if (!returnTo || !calendar || calendar.contains(document.activeElement)) return;
    var back = returnTo;
    returnTo = null;
    var links = Array.prototype.slice.call(calendar.querySelectorAll("a[href]"));
    var same = back.opener && links.filter(function (a) {
      return a.getAttribute("hx-get") === back.opener || a.getAttribute("href") === back.opener;
    })[0];
    var day = back.date && calendar.querySelector(".cal-week__dayhead a[href$='date=" + back.date + "'], a[href$='date=" + back.date + "']");
    var region = calendar.querySelector(".cal-week, [role=region]") || calendar;
    var to = same || day || region;
    if (to === calendar && !calendar.hasAttribute("tabindex")) calendar.setAttribute("tabindex", "-1");
    to.focus();
  });

  document.addEventListener("click", function (event) {
    var closer = event.target.closest("[data-close-dialog]");
    var box = dialog();
    if (closer && box) box.close();
    // A click on the backdrop (the dialog element itself, outside its box) closes it too.
    if (box && event.target === box) box.close();
  });

  // The week grid: pressing on an hour and dragging across a day's hours (mouse or pen) opens the busy-time
  // form with that day, start and end filled in; a plain click opens it for one hour. Touch scrolls the
  // grid as usual, and the keyboard goes through each day's name to the same form.
  var drag = null;
  var swallowUntil = 0;
  document.addEventListener("click", function (event) {
    if (Date.now() < swallowUntil && event.target.closest && event.target.closest(".cal-week")) {
      swallowUntil = 0;
      event.preventDefault();
      event.stopPropagation();
    }
  }, true);
  function hourAt(column, clientY) {
    var box = column.getBoundingClientRect();
    var hour = Math.floor((clientY - box.top) / (box.height / 24));
    return Math.max(0, Math.min(23, hour));
  }
  function paint() {
    var from = Math.min(drag.start, drag.end), to = Math.max(drag.start, drag.end) + 1;
    drag.mark.style.top = (from * 100 / 24) + "%";
    drag.mark.style.height = ((to - from) * 100 / 24) + "%";
  }
  function pad(hour) { return (hour < 10 ? "0" : "") + hour + ":00"; }
  document.addEventListener("pointerdown", function (event) {
    var slot = event.target.closest && event.target.closest(".cal-week .cal-slot");
    if (!slot || event.button !== 0 || event.pointerType === "touch") return;
    var column = slot.closest(".cal-week__col");
    var hour = hourAt(column, event.clientY);
    var mark = document.createElement("div");
    mark.className = "cal-drag";
    mark.setAttribute("aria-hidden", "true");
    column.appendChild(mark);
    drag = { column: column, date: slot.dataset.date, start: hour, end: hour, mark: mark, moved: false };
    paint();
    event.preventDefault();
  });
  document.addEventListener("pointermove", function (event) {
    if (!drag) return;
    var hour = hourAt(drag.column, event.clientY);
    if (hour !== drag.end) { drag.end = hour; drag.moved = true; paint(); }
  });
  document.addEventListener("pointerup", function () {
    if (!drag) return;
    var done = drag;
    drag = null;
    done.mark.remove();
    if (!done.moved || done.start === done.end) return;  // a click: the slot's own link
    var from = Math.min(done.start, done.end), to = Math.max(done.start, done.end) + 1;
    var grid = done.column.closest(".cal-week");
    var url = grid.dataset.addUrl + "?date=" + done.date + "&time=" + pad(from) + "&until=" + pad(to % 24);
    // The click that ends a drag is not a click on the hour it ended on.
    swallowUntil = Date.now() + 400;
    window.setTimeout(function () { window.htmx.ajax("GET", url, { target: "#cal-dialog-body", swap: "innerHTML" }); }, 0);
  });
  document.addEventListener("pointercancel", function () {
    if (drag) { drag.mark.remove(); drag = null; }
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
