/* Inside the band's website widget (templates/embeds/band.html), framed by another site:
   - an address without a time zone is opened once more with this browser's (?tz=), so the shows'
     times read in the visitor's zone; an address with one, known or not, is left as it is;
   - the widget's height is told to the page around it (embed.js resizes the frame to it). The height
     is no secret, so any parent may hear it; the parent checks that it comes from us. */
(function () {
  "use strict";
  var params = new URLSearchParams(window.location.search);
  if (!params.has("tz")) {
    try {
      var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
      if (zone && zone !== document.documentElement.dataset.zone) {
        params.set("tz", zone);
        window.location.replace(window.location.pathname + "?" + params.toString());
        return;
      }
    } catch (e) {
      /* no zone to read: the band's stands */
    }
  }
  if (window.parent === window) return;
  var widget = document.getElementById("embed");
  var last = 0;
  function tell() {
    var height = Math.ceil(widget.getBoundingClientRect().height);
    if (height === last) return;
    last = height;
    window.parent.postMessage({ type: "stageslot:height", height: height }, "*");
  }
  tell();
  window.addEventListener("load", tell);
  if (window.ResizeObserver) new ResizeObserver(tell).observe(widget);
})();
