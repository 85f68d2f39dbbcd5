// The browser's time zone for a visitor's pages: kept in a cookie the server reads
// (core.fields.timezones.viewer_zone) when nobody is signed in; a signed-in person's account zone wins.
// Loaded with the other head scripts, so the cookie is set before htmx loads a page's lazy parts.
(function () {
  "use strict";

  var NAME = "stageslot_zone";
  var zone = "";
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  } catch (e) {
    return;
  }
  if (!/^[A-Za-z0-9_+\-\/]{1,64}$/.test(zone)) return;
  var current = document.cookie.split("; ").filter(function (c) { return c.indexOf(NAME + "=") === 0; })[0];
  if (current === NAME + "=" + zone) return;
  var secure = location.protocol === "https:" ? "; Secure" : "";
  document.cookie = NAME + "=" + zone + "; Path=/; Max-Age=31536000; SameSite=Lax" + secure;
})();
