// The city picker (places.forms.CityAutocompleteWidget): a combobox listing the cities whose name
// starts with what is typed (WAI-ARIA combobox pattern), and the time zone proposed from the picked
// city or from a venue's exact point. Without this file the typed text is matched on the server.
(function () {
  "use strict";

  var WAIT_MS = 120;

  // ---- Time zone proposals --------------------------------------------------------------

  function zoneSelect(form) {
    return form ? form.querySelector("select[name='time_zone']") : null;
  }

  // A zone select the person changed themselves is theirs: nothing is proposed into it again.
  document.addEventListener("change", function (event) {
    var select = event.target;
    if (event.isTrusted && select.matches && select.matches("select[name='time_zone']")) {
      select.dataset.chosen = "1";
      select.dataset.touched = "1";
      var note = document.getElementById(select.id + "-proposed");
      if (note) note.hidden = true;
    }
  });

  function proposeZone(form, zone, text) {
    var select = zoneSelect(form);
    if (!select || !zone || select.dataset.chosen) return;
    var known = Array.prototype.some.call(select.options, function (o) { return o.value === zone; });
    if (!known) return;
    select.value = zone;
    var note = document.getElementById(select.id + "-proposed");
    if (!note) {
      note = document.createElement("p");
      note.id = select.id + "-proposed";
      note.className = "zone-note";
      note.setAttribute("role", "status");
      select.insertAdjacentElement("afterend", note);
      var described = select.getAttribute("aria-describedby");
      select.setAttribute("aria-describedby", (described ? described + " " : "") + note.id);
    }
    // Translators: note says where the time zone comes from; zone is its name ("Europe/Berlin"), named
    // as every page names it (core.fields.timezones.zone_name: the IANA name as it is).
    note.textContent = interpolate(gettext("%(note)s (%(zone)s)."), { note: text, zone: zone }, true);
    note.hidden = false;
  }

  // ---- The combobox ---------------------------------------------------------------------

  function wirePicker(root) {
    if (root.dataset.wired) return;
    root.dataset.wired = "1";
    var input = root.querySelector("[role='combobox']");
    var hidden = root.querySelector("[data-city-id]");
    var list = root.querySelector("[role='listbox']");
    var status = root.querySelector("[role='status']");
    var timer = null;
    var pending = null;
    var active = -1;

    function options() {
      return list.querySelectorAll("[role='option']");
    }

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function open() {
      if (!options().length) return;
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
    }

    function highlight(index) {
      var all = options();
      if (!all.length) return;
      active = (index + all.length) % all.length;
      all.forEach(function (option, i) {
        option.setAttribute("aria-selected", i === active ? "true" : "false");
      });
      input.setAttribute("aria-activedescendant", all[active].id);
      all[active].scrollIntoView({ block: "nearest" });
    }

    // A search still on its way is stopped: its answer would open the list again over the page.
    function stopSearching() {
      clearTimeout(timer);
      if (pending) pending.abort();
      pending = null;
    }

    function pick(option) {
      stopSearching();
      input.value = option.dataset.label;
      hidden.value = option.dataset.id;
      root.dataset.timeZone = option.dataset.timeZone;
      close();
      status.textContent = interpolate(gettext("%(city)s picked."), { city: option.dataset.label }, true);
      var candidates = root.querySelector("[data-city-candidates]");
      if (candidates) candidates.remove();
      proposeZone(input.form, option.dataset.timeZone, root.dataset.zoneNote.replace(/\.$/, ""));
      root.dispatchEvent(new CustomEvent("city-picked", {
        bubbles: true,
        detail: {
          id: option.dataset.id,
          label: option.dataset.label,
          timeZone: option.dataset.timeZone,
          latitude: parseFloat(option.dataset.latitude),
          longitude: parseFloat(option.dataset.longitude),
        },
      }));
    }

    function show(html) {
      list.innerHTML = html;
      var all = options();
      all.forEach(function (option, i) {
        option.id = list.id + "-" + i;
      });
      active = -1;
      input.removeAttribute("aria-activedescendant");
      if (!all.length) {
        close();
        status.textContent = gettext("No city found. For a small town, try the nearest city.");
        return;
      }
      open();
      status.textContent = all.length === 1
        ? gettext("1 city found. Press the down arrow to choose it.")
        : interpolate(
          ngettext(
            "%(count)s city found. Use the up and down arrows to choose one.",
            "%(count)s cities found. Use the up and down arrows to choose one.",
            all.length
          ),
          { count: all.length },
          true
        );
    }

    function suggest() {
      var query = input.value.trim();
      if (query.length < 2) {
        list.innerHTML = "";
        close();
        status.textContent = "";
        return;
      }
      if (pending) pending.abort();
      pending = new AbortController();
      fetch(root.dataset.url + "?q=" + encodeURIComponent(query), {
        headers: { "HX-Request": "true" },
        signal: pending.signal,
      })
        .then(function (response) { return response.ok ? response.text() : ""; })
        .then(function (html) {
          if (document.activeElement === input) show(html);
        })
        .catch(function () {});
    }

    input.addEventListener("input", function () {
      // A new name is no longer the city picked before.
      hidden.value = "";
      clearTimeout(timer);
      timer = setTimeout(suggest, WAIT_MS);
    });

    input.addEventListener("keydown", function (event) {
      var expanded = !list.hidden;
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        if (!expanded) open();
        if (!list.hidden) highlight(active + (event.key === "ArrowDown" ? 1 : active === -1 ? 0 : -1));
      } else if (event.key === "Enter") {
        if (expanded && active >= 0) {
          event.preventDefault();
          pick(options()[active]);
        }
      } else if (event.key === "Escape") {
        stopSearching();
        if (expanded) {
          event.preventDefault();
          close();
        }
      } else if (event.key === "Tab") {
        stopSearching();
        close();
      }
    });

    list.addEventListener("mousedown", function (event) {
      event.preventDefault(); // keep the focus in the input
    });
    list.addEventListener("click", function (event) {
      var option = event.target.closest("[role='option']");
      if (option) pick(option);
    });
    input.addEventListener("blur", function () {
      stopSearching();
      setTimeout(close, 150);
    });
  }

  // ---- A venue's exact point ------------------------------------------------------------

  function wirePoint(root) {
    if (root.dataset.wired) return;
    root.dataset.wired = "1";
    var lat = root.querySelector("input[name='latitude']");
    var lon = root.querySelector("input[name='longitude']");
    var reset = root.querySelector("[data-use-city-point]");
    var timer = null;
    if (!lat || !lon) return;

    function fromPoint() {
      var form = lat.form;
      var picker = form && form.querySelector("[data-city-picker]");
      var note = root.dataset.zoneNote || gettext("Proposed from the venue's location.");
      if (lat.value === "" && lon.value === "") {
        if (picker && picker.dataset.timeZone) proposeZone(form, picker.dataset.timeZone, note.replace(/\.$/, ""));
        return;
      }
      var y = parseFloat(lat.value), x = parseFloat(lon.value);
      if (!isFinite(y) || !isFinite(x) || Math.abs(y) > 90 || Math.abs(x) > 180) return;
      fetch(root.dataset.zoneUrl + "?latitude=" + y + "&longitude=" + x)
        .then(function (response) { return response.ok ? response.json() : {}; })
        .then(function (data) {
          if (data.time_zone) proposeZone(form, data.time_zone, note.replace(/\.$/, ""));
        })
        .catch(function () {});
    }

    function changed() {
      clearTimeout(timer);
      timer = setTimeout(fromPoint, 300);
    }

    lat.addEventListener("input", changed);
    lon.addEventListener("input", changed);
    lat.addEventListener("change", changed);
    lon.addEventListener("change", changed);
    if (reset) {
      reset.hidden = false;
      reset.addEventListener("click", function () {
        lat.value = "";
        lon.value = "";
        // Whoever listens (a map) hears that the point went back to the city's.
        lat.dispatchEvent(new Event("change", { bubbles: true }));
        lon.dispatchEvent(new Event("change", { bubbles: true }));
      });
    }
  }

  function wire(root) {
    root.querySelectorAll("[data-city-picker]").forEach(wirePicker);
    root.querySelectorAll("[data-point-zone]").forEach(wirePoint);
  }

  document.addEventListener("DOMContentLoaded", function () { wire(document); });
  document.addEventListener("htmx:load", function (event) { wire(event.target); });
})();
