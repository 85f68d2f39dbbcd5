{% load static %}/* StageSlot's service worker: it only shows pushed notifications and opens what they link to. */
self.addEventListener("push", function (event) {
  var data = {};
  try { data = event.data ? event.data.json() : {}; } catch (e) { data = { body: event.data ? event.data.text() : "" }; }
  var options = {
    body: data.body || "",
    tag: data.tag || undefined,
    icon: "{% static 'img/favicon.svg' %}",
    data: { url: data.url || "/", actions: data.actions || [] },
    actions: (data.actions || []).map(function (a) { return { action: a.action, title: a.title }; })
  };
  event.waitUntil(self.registration.showNotification(data.title || "StageSlot", options));
});

self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  var data = event.notification.data || {};
  var url = data.url || "/";
  (data.actions || []).forEach(function (a) { if (a.action === event.action) { url = a.url; } });
  event.waitUntil(self.clients.openWindow(url));
});
