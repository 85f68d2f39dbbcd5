// The map beside a list (venue search, gig finder) or on a show page (docs/decisions/0023-maps.md).
//
// A map panel ([data-map-panel]) names the <script type="application/json"> block its markers come
// from (data-map-source). That block sits inside the region HTMX swaps, so after every swap the map
// reads it again: the list and the map stay in step. Markers are clustered (Leaflet.markercluster),
// each with a popup linking to its page. The list comes first and has everything the map shows, so
// the map's pins are left out of the tab order; the panel says so and can be hidden.
// Without JavaScript (or without Leaflet) the panel stays hidden and the list is the page.
(function () {
  "use strict";

  var PHONE = window.matchMedia("(max-width: 640px)");
  // Words come from Django's JavaScript catalogue (base.html loads it first).
  var KIND_LABELS = {
    venue: gettext("Venue"),
    slot: gettext("Open slot"),
    support_call: gettext("Support call"),
    show: pgettext("map pin", "Show"),
  };
  var FALLBACK_VIEW = { center: [50.5, 10.5], zoom: 5 }; // central Europe, when nothing is on the map
  var maps = new WeakMap(); // panel -> its Leaflet state, once drawn
  // Panels and pickers set up on this page. Not a data attribute: a page htmx restores from its
  // history cache is a copy of the markup, without Leaflet behind it, and must be set up again.
  var ready = new WeakSet();

  // A map element as the server drew it: a restored copy may carry a dead map's panes.
  function blank(element) {
    if (!element.classList.contains("leaflet-container")) return element;
    var fresh = element.cloneNode(false);
    fresh.className = fresh.className.split(" ").filter(function (name) { return !/^leaflet-/.test(name); }).join(" ");
    element.replaceWith(fresh);
    return fresh;
  }

  function sourceOf(panel) {
    return document.getElementById(panel.dataset.mapSource);
  }

  function readData(panel) {
    var source = sourceOf(panel);
    if (!source) return null;
    try {
      return JSON.parse(source.textContent);
    } catch (error) {
      return null;
    }
  }

  function popupFor(marker) {
    // Built as nodes, never as HTML: every value is text.
    var box = document.createElement("div");
    box.className = "map-popup";
    var kind = document.createElement("p");
    kind.className = "map-popup__kind";
    kind.textContent = KIND_LABELS[marker.kind] || "";
    var title = document.createElement("a");
    title.className = "map-popup__title";
    title.href = marker.url;
    title.textContent = marker.title;
    box.appendChild(kind);
    box.appendChild(title);
    if (marker.line) {
      var line = document.createElement("p");
      line.className = "map-popup__line";
      line.textContent = marker.line;
      box.appendChild(line);
    }
    return box;
  }

  function pinIcon(kind) {
    return L.divIcon({
      className: "map-pin map-pin--" + (KIND_LABELS[kind] ? kind : "venue"),
      iconSize: [22, 22],
      iconAnchor: [11, 11],
      popupAnchor: [0, -10],
    });
  }

  function draw(panel, state) {
    var data = readData(panel);
    var note = panel.querySelector("[data-map-note]");
    if (note) note.textContent = data ? data.note || "" : "";
    state.cluster.clearLayers();
    var markers = (data && data.markers) || [];
    var points = [];
    var layers = markers.map(function (marker) {
      var point = [marker.lat, marker.lon];
      points.push(point);
      var layer = L.marker(point, { icon: pinIcon(marker.kind), keyboard: false, title: marker.title, alt: marker.title });
      layer.bindPopup(popupFor(marker));
      return layer;
    });
    state.cluster.addLayers(layers);
    state.map.getContainer().dataset.markerCount = String(layers.length);
    if (points.length === 1) state.map.setView(points[0], (data && data.zoom) || 13);
    else if (points.length) state.map.fitBounds(points, { padding: [28, 28], maxZoom: 13 });
    else state.map.setView(FALLBACK_VIEW.center, FALLBACK_VIEW.zoom);
  }

  function create(panel) {
    var element = blank(panel.querySelector("[data-map]"));
    // Pins and clusters stay out of the tab order: the list before the map has each of them.
    L.MarkerCluster.mergeOptions({ keyboard: false });
    var map = L.map(element, { keyboard: false, scrollWheelZoom: false, zoomSnap: 0.5 });
    map.attributionControl.setPrefix(false);
    tiles(element).addTo(map);
    var cluster = L.markerClusterGroup({ showCoverageOnHover: false, maxClusterRadius: 48 });
    map.addLayer(cluster);
    var state = { map: map, cluster: cluster };
    maps.set(panel, state);
    return state;
  }

  function shown(panel) {
    return !panel.querySelector("[data-map]").hidden;
  }

  function refresh(panel) {
    var node = sourceOf(panel);
    if (!shown(panel)) {
      // Drawn when first shown: no tiles are fetched for a map nobody opened.
      var note = panel.querySelector("[data-map-note]");
      var data = readData(panel);
      if (note) note.textContent = data ? data.note || "" : "";
      return;
    }
    var state = maps.get(panel) || create(panel);
    state.map.invalidateSize();
    // Only a swap that brought new marker data redraws (and refits) the map: other swaps on the
    // page (the notification bell every 15 s) leave the reader's zoom and position alone.
    if (state.node === node) return;
    state.node = node;
    draw(panel, state);
  }

  function setShown(panel, show) {
    var element = panel.querySelector("[data-map]");
    var toggle = panel.querySelector("[data-map-toggle]");
    element.hidden = !show;
    if (toggle) {
      toggle.setAttribute("aria-expanded", show ? "true" : "false");
      toggle.textContent = show ? gettext("Hide map") : gettext("Show map");
    }
    if (show) refresh(panel);
  }

  function setUp(panel) {
    if (ready.has(panel)) return;
    ready.add(panel);
    panel.hidden = false;
    var toggle = panel.querySelector("[data-map-toggle]");
    if (toggle) {
      toggle.addEventListener("click", function () {
        setShown(panel, !shown(panel));
      });
    }
    setShown(panel, !(panel.hasAttribute("data-fold-on-phone") && PHONE.matches));
  }

  // ---- The point picker: a map that fills a form's latitude and longitude inputs ---------------

  function tiles(element) {
    // The tile server learns our site's origin (OpenStreetMap's policy asks for a Referer), never the page.
    return L.tileLayer(element.dataset.tileUrl, {
      attribution: element.dataset.tileAttribution,
      maxZoom: 19,
      referrerPolicy: "strict-origin",
    });
  }

  function number(input) {
    var value = parseFloat(String(input.value).replace(",", "."));
    return isFinite(value) ? value : null;
  }

  function setUpPicker(picker) {
    if (ready.has(picker)) return;
    var form = picker.closest("form");
    var lat = form && form.querySelector("input[name='latitude']");
    var lon = form && form.querySelector("input[name='longitude']");
    if (!lat || !lon) return; // a form without the inputs: nothing to fill
    ready.add(picker);
    picker.hidden = false;
    var element = blank(picker.querySelector("[data-point-picker-map]"));
    var map = L.map(element, { keyboard: false, scrollWheelZoom: false });
    map.attributionControl.setPrefix(false);
    tiles(element).addTo(map);
    var pin = null;

    function typed() {
      var la = number(lat);
      var lo = number(lon);
      return la !== null && lo !== null && Math.abs(la) <= 90 && Math.abs(lo) <= 180 ? [la, lo] : null;
    }

    function fill(point) {
      // Six decimals: about 10 cm, finer than anyone can click.
      lat.value = point.lat.toFixed(6);
      lon.value = L.Util.wrapNum(point.lng, [-180, 180], true).toFixed(6);
      [lat, lon].forEach(function (input) {
        input.dispatchEvent(new Event("input", { bubbles: true }));
        input.dispatchEvent(new Event("change", { bubbles: true }));
      });
    }

    function place(point) {
      if (!point) {
        if (pin) map.removeLayer(pin);
        pin = null;
        return;
      }
      if (pin) {
        pin.setLatLng(point);
        return;
      }
      pin = L.marker(point, {
        draggable: true,
        keyboard: false,
        icon: L.divIcon({ className: "map-pin map-pin--picked", iconSize: [24, 24], iconAnchor: [12, 12] }),
      }).addTo(map);
      pin.on("dragend", function () { fill(pin.getLatLng()); });
    }

    map.on("click", function (event) {
      place(event.latlng);
      fill(event.latlng);
    });
    [lat, lon].forEach(function (input) {
      input.addEventListener("change", function () {
        var point = typed();
        place(point);
        if (point) map.panTo(point);
      });
    });

    var start = typed();
    place(start);
    if (start) map.setView(start, 16);
    else if (picker.dataset.lat) map.setView([parseFloat(picker.dataset.lat), parseFloat(picker.dataset.lon)], 12);
    else map.setView(FALLBACK_VIEW.center, FALLBACK_VIEW.zoom);
  }

  function all() {
    if (!window.L || !L.markerClusterGroup) return; // Leaflet did not load: the list alone
    document.querySelectorAll("[data-map-panel]").forEach(function (panel) {
      if (ready.has(panel)) refresh(panel);
      else setUp(panel);
    });
    document.querySelectorAll("[data-point-picker]").forEach(setUpPicker);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", all);
  else all();
  // A filter change swaps the results (and their marker data); a history restore swaps the page.
  document.addEventListener("htmx:afterSettle", all);
  document.addEventListener("htmx:historyRestore", all);
})();
