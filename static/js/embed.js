/* StageSlot's widget on a band's own website. Paste:
     <script src="https://<stageslot>/static/js/embed.js" data-stageslot-band="<band>" async></script>
   and the band's free evenings, upcoming shows and Book button appear where the script stands, in an
   iframe from StageSlot (no cookies; docs/decisions/0046-embed-widget.md). Options as attributes:
   data-weeks (1–12), data-shows (0–20), data-lang (en, en-gb, de, fr, es, it, nl), data-theme (light, dark),
   data-title (the frame's name for screen readers; the snippet we hand out carries it). The frame
   takes the widget's height whenever it tells it (postMessage), only from StageSlot's own address. */
(function () {
  "use strict";
  var OPTIONS = ["weeks", "shows", "lang", "theme"];
  var frames = [];

  function zone() {
    try {
      return Intl.DateTimeFormat().resolvedOptions().timeZone || "";
    } catch (e) {
      return "";
    }
  }

  function insert(script) {
    if (script.getAttribute("data-stageslot-done")) return;
    script.setAttribute("data-stageslot-done", "1");
    var band = script.getAttribute("data-stageslot-band") || "";
    if (!/^[-A-Za-z0-9_]+$/.test(band)) return;
    var origin = new URL(script.src, window.location.href).origin;
    var params = new URLSearchParams();
    OPTIONS.forEach(function (name) {
      var value = script.getAttribute("data-" + name);
      if (value) params.set(name, value);
    });
    if (zone()) params.set("tz", zone());
    var frame = document.createElement("iframe");
    frame.src = origin + "/embed/bands/" + encodeURIComponent(band) + "/?" + params.toString();
    // The snippet we hand out names the frame in the band's words (data-title); else the band's address name.
    frame.title = script.dataset.title || band;
    frame.loading = "lazy";
    frame.setAttribute("data-stageslot-frame", band);
    frame.style.display = "block";
    frame.style.width = "100%";
    frame.style.maxWidth = "720px";
    frame.style.height = "520px";
    frame.style.border = "0";
    script.parentNode.insertBefore(frame, script.nextSibling);
    frames.push({ frame: frame, origin: origin });
  }

  window.addEventListener("message", function (event) {
    var data = event.data;
    if (!data || data.type !== "stageslot:height" || typeof data.height !== "number") return;
    frames.forEach(function (item) {
      if (event.source !== item.frame.contentWindow || event.origin !== item.origin) return;
      item.frame.style.height = Math.max(120, Math.min(4000, Math.ceil(data.height))) + "px";
    });
  });

  document.querySelectorAll("script[data-stageslot-band]").forEach(insert);
})();
