/* Push on this device (the notification settings page): register /sw.js, subscribe with our VAPID key and
   send the subscription to the server; or unsubscribe. Words come from the page's <template>. */
(function () {
  "use strict";
  function csrf() {
    var m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (m) { return decodeURIComponent(m[1]); }
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }
  function key(base64) {
    var padded = (base64 + "===".slice((base64.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    var raw = atob(padded);
    var out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) { out[i] = raw.charCodeAt(i); }
    return out;
  }
  document.addEventListener("DOMContentLoaded", function () {
    var box = document.querySelector("[data-push]");
    if (!box) { return; }
    var on = box.querySelector("[data-push-on]");
    var off = box.querySelector("[data-push-off]");
    var state = box.querySelector("[data-push-state]");
    var words = box.querySelector("[data-push-words]");
    function say(word) {
      var el = words && words.content.querySelector('[data-word="' + word + '"]');
      state.textContent = el ? el.textContent : "";
    }
    if (!("serviceWorker" in navigator) || !("PushManager" in window) || !("Notification" in window)) {
      say("unsupported");
      return;
    }
    if (Notification.permission === "denied") { say("denied"); }
    navigator.serviceWorker.register(box.dataset.swUrl, { scope: "/" }).then(function (registration) {
      return registration.pushManager.getSubscription().then(function (subscription) {
        on.hidden = !!subscription;
        off.hidden = !subscription;
        if (subscription) { say("on"); }
        on.addEventListener("click", function () {
          Notification.requestPermission().then(function (permission) {
            if (permission !== "granted") { say("denied"); return; }
            return registration.pushManager.subscribe({
              userVisibleOnly: true, applicationServerKey: key(box.dataset.vapidKey)
            }).then(function (sub) {
              return fetch(box.dataset.subscribeUrl, {
                method: "POST", credentials: "same-origin",
                headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
                body: JSON.stringify(sub.toJSON())
              });
            }).then(function (response) {
              if (!response || !response.ok) { throw new Error("refused"); }
              say("on"); on.hidden = true; off.hidden = false; off.focus();
            });
          }).catch(function () { say("failed"); });
        });
        off.addEventListener("click", function () {
          registration.pushManager.getSubscription().then(function (sub) {
            if (!sub) { return; }
            var body = new URLSearchParams({ endpoint: sub.endpoint });
            return sub.unsubscribe().then(function () {
              return fetch(box.dataset.unsubscribeUrl, {
                method: "POST", credentials: "same-origin",
                headers: { "X-CSRFToken": csrf(), "Accept": "application/json" }, body: body
              });
            });
          }).then(function () { say("off"); off.hidden = true; on.hidden = false; on.focus(); });
        });
      });
    }).catch(function () { say("unsupported"); });
  });
})();
