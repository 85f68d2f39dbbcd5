{% load static %}/* StageSlot's one service worker (decision 0091): it shows pushed notifications, and keeps the person's next
   shows on this device for the road. It keeps only what /me/offline/ lists for the person signed in, whose
   address matches KEEPABLE and whose answer is marked X-StageSlot-Keep with that person's id; partials and
   other pages are never kept. Offline, a kept page opens from the device marked "offline – as of …", any
   other page gets the offline page. A changed person, or nobody, wipes everything ("wipe"). */
"use strict";
var SHELL = "ss-shell-{{ build }}";
var KEEP_PREFIX = "ss-keep-";
var META = "/__road/meta";
var KEEP_URL = "{{ keep_url }}";
var OFFLINE_URL = "{{ offline_url }}";
var STATIC_URL = "{{ static_url }}";
var KEEPABLE = {{ keepable|safe }}.map(function (source) { return new RegExp(source); });
var REFRESH_MS = 10 * 60 * 1000;

function keepable(path) { return KEEPABLE.some(function (re) { return re.test(path); }); }

self.addEventListener("install", function () { self.skipWaiting(); });

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (n) { return n.indexOf("ss-shell-") === 0 && n !== SHELL; })
      .map(function (n) { return caches.delete(n); }));
  }).then(function () { return self.clients.claim(); }));
});

/* ---- What is kept: the per-person cache and its meta entry ---- */
function currentKeep() {
  return caches.keys().then(function (names) {
    var name = names.filter(function (n) { return n.indexOf(KEEP_PREFIX) === 0; })[0];
    if (!name) { return null; }
    return caches.open(name).then(function (cache) {
      return cache.match(META).then(function (hit) { return hit ? hit.json() : {}; })
        .then(function (meta) { return { cache: cache, meta: meta }; });
    });
  });
}

function wipe() {
  var gone = caches.keys().then(function (names) {
    return Promise.all(names.filter(function (n) { return n.indexOf("ss-") === 0; })
      .map(function (n) { return caches.delete(n); }));
  });
  var databases = (self.indexedDB && indexedDB.databases) ? indexedDB.databases() : Promise.resolve([]);
  return Promise.all([gone, databases.then(function (list) {
    return Promise.all(list.filter(function (d) { return d.name && d.name.indexOf("ss-") === 0; })
      .map(function (d) { return new Promise(function (done) {
        var request = indexedDB.deleteDatabase(d.name);
        request.onsuccess = request.onerror = request.onblocked = function () { done(); };
      }); }));
  })]);
}

function stamped(response) {
  var headers = new Headers(response.headers);
  headers.set("X-StageSlot-Kept-At", new Date().toISOString());
  return response.blob().then(function (body) {
    return new Response(body, { status: response.status, statusText: response.statusText, headers: headers });
  });
}

function storable(response, user) {
  return response.status === 200 && !response.redirected && response.headers.get("X-StageSlot-Keep") === String(user);
}

function keep(cache, url, user) {
  return fetch(url, { credentials: "same-origin", cache: "no-store" }).then(function (response) {
    if (!storable(response, user)) { return cache.delete(url); }
    return stamped(response).then(function (kept) { return cache.put(url, kept); });
  }).catch(function () { /* offline or refused: what was kept stays until its time */ });
}

function sync() {
  return fetch(KEEP_URL, { credentials: "same-origin", cache: "no-store" }).then(function (response) {
    if (!response.ok) { return { ok: false }; }
    return response.json().then(function (data) {
      if (!data.user) { return wipe().then(function () { return { ok: true, user: null }; }); }
      var name = KEEP_PREFIX + data.user;
      return caches.keys().then(function (names) {
        // Another person's kept pages never stay beside this person's.
        return Promise.all(names.filter(function (n) { return n.indexOf(KEEP_PREFIX) === 0 && n !== name; })
          .map(function (n) { return caches.delete(n); }));
      }).then(function () {
        return caches.open(SHELL).then(function (shell) {
          return Promise.all(data.shell.map(function (url) {
            return shell.match(url).then(function (hit) {
              if (hit) { return null; }
              return fetch(url, { credentials: "omit" }).then(function (r) { return r.ok ? shell.put(url, r) : null; })
                .catch(function () { return null; });
            });
          }));
        });
      }).then(function () { return caches.open(name); }).then(function (cache) {
        return cache.match(META).then(function (hit) { return hit ? hit.json() : {}; }).then(function (meta) {
          var until = {};
          var listed = data.keep.filter(function (entry) { return keepable(entry.url); });
          listed.forEach(function (entry) { until[entry.url] = entry.until; });
          var fresh = meta.version === data.version && Date.now() - (meta.refreshed || 0) < REFRESH_MS;
          return cache.keys().then(function (requests) {
            // What is no longer listed (a cancelled show, a band left, a show past) goes.
            return Promise.all(requests.map(function (request) {
              var path = new URL(request.url).pathname;
              return path !== META && !until[path] ? cache.delete(request) : null;
            }));
          }).then(function () {
            return listed.reduce(function (chain, entry) {
              return chain.then(function () {
                return cache.match(entry.url).then(function (hit) {
                  return hit && fresh ? null : keep(cache, entry.url, data.user);
                });
              });
            }, Promise.resolve());
          }).then(function () {
            var next = { user: data.user, version: data.version, refreshed: fresh ? meta.refreshed : Date.now(), until: until };
            return cache.put(META, new Response(JSON.stringify(next), { headers: { "Content-Type": "application/json" } }));
          }).then(function () { return { ok: true, user: data.user, version: data.version, kept: listed.length }; });
        });
      });
    });
  }).catch(function () { return { ok: false }; });
}

/* ---- Answering: the network first, the device when there is none ---- */
function marked(response) {
  var type = response.headers.get("Content-Type") || "";
  if (type.indexOf("text/html") !== 0) { return Promise.resolve(response); }
  var at = response.headers.get("X-StageSlot-Kept-At") || "";
  var time = at ? new Date(at).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }) : "";
  return response.text().then(function (html) {
    html = html.replace("data-offline-mark hidden", "data-offline-mark")
      .replace("<time data-offline-time></time>", '<time data-offline-time datetime="' + at + '">' + time + "</time>");
    return new Response(html, { status: 200, headers: response.headers });
  });
}

function fromDevice(key) {
  return currentKeep().then(function (found) {
    if (!found || !found.meta.until || !found.meta.until[key]) { return null; }
    if (Date.parse(found.meta.until[key]) < Date.now()) { return found.cache.delete(key).then(function () { return null; }); }
    return found.cache.match(key).then(function (hit) { return hit ? marked(hit) : null; });
  });
}

function refreshKept(key, response) {
  // An online visit to a kept page keeps its newest version (only for the person it was listed for).
  return currentKeep().then(function (found) {
    if (!found || !found.meta.until || !found.meta.until[key] || !storable(response, found.meta.user)) { return; }
    return stamped(response).then(function (kept) { return found.cache.put(key, kept); });
  }).catch(function () {});
}

function networkThenDevice(event, url) {
  var key = url.pathname + url.search;
  return fetch(event.request).then(function (response) {
    if (!url.search && keepable(url.pathname) && response.status === 200) {
      event.waitUntil(refreshKept(key, response.clone()));
    }
    return response;
  }).catch(function (error) {
    return fromDevice(key).then(function (kept) {
      if (kept) { return kept; }
      if (event.request.mode !== "navigate") { throw error; }
      return caches.open(SHELL).then(function (shell) { return shell.match(OFFLINE_URL); }).then(function (page) {
        if (page) { return page; }
        throw error;
      });
    });
  });
}

function staticFirst(request) {
  return caches.open(SHELL).then(function (shell) {
    return shell.match(request, { ignoreVary: true }).then(function (hit) {
      if (hit) { return hit; }
      return fetch(request).then(function (response) {
        if (response.ok && response.type === "basic") { shell.put(request, response.clone()); }
        return response;
      });
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") { return; }
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  if (url.pathname.indexOf(STATIC_URL) === 0 || url.pathname.indexOf("/jsi18n/") === 0) {
    event.respondWith(staticFirst(request));
    return;
  }
  if (request.headers.get("HX-Request")) { return; }  // partials: the network only, never kept
  if (request.mode === "navigate" || keepable(url.pathname)) {
    event.respondWith(networkThenDevice(event, url));
  }
});

self.addEventListener("message", function (event) {
  var data = event.data || {};
  var port = event.ports && event.ports[0];
  var answer = function (result) { if (port) { port.postMessage(result); } };
  if (data.type === "sync") { event.waitUntil(sync().then(answer)); }
  if (data.type === "wipe") { event.waitUntil(wipe().then(function () { answer({ ok: true }); })); }
});

/* ---- Web Push ---- */
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
