/* On the road (decision 0091), the page's part: registers the one service worker and asks it to keep this
   person's next shows; while offline, a change the server lets a device send later (an answer, a check-in,
   a set list's order, a comment: REPLAYABLE in stageslot/road.py) is kept in this person's outbox
   (IndexedDB) and sent in order, once each (Idempotency-Key), when the network is back; a change someone
   made meanwhile comes back as a conflict with both versions, shown here. Signed out (or a session ended
   elsewhere), everything the site kept on this device is wiped. Also the dark theme's choice. */
(function () {
  "use strict";
  var body = document.body;
  var root = document.documentElement;
  var user = body.dataset.roadUser || "";
  var keepUrl = body.dataset.roadKeep;
  var REPLAYABLE = [
    /^\/gigs\/[0-9a-f-]{36}\/$/,
    /^\/gigs\/[0-9a-f-]{36}\/set-list\/order\/$/,
    /^\/documents\/bookings\/[0-9a-f-]{36}\/guest-list\/[0-9]+\/check-in\/$/,
    /^\/documents\/bookings\/[0-9a-f-]{36}\/day-sheet\/comment\/$/
  ];

  /* ---- The theme: the device's, or the person's choice on this device ---- */
  function applyTheme(choice) {
    if (choice === "dark" || choice === "light") { root.dataset.theme = choice; } else { delete root.dataset.theme; }
    document.querySelectorAll("[data-theme-choice]").forEach(function (button) {
      button.setAttribute("aria-pressed", String(button.dataset.themeChoice === (choice || "device")));
    });
  }
  try { applyTheme(localStorage.getItem("ss-theme")); } catch (e) { /* storage off */ }
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-theme-choice]");
    if (!button) { return; }
    try { localStorage.setItem("ss-theme", button.dataset.themeChoice); } catch (e) { /* storage off */ }
    applyTheme(button.dataset.themeChoice);
  });

  // The offline page is drawn for no one: it neither wipes nor sends anything.
  if (body.dataset.roadOffline !== undefined) { return; }
  if (!("serviceWorker" in navigator) || !("caches" in window) || !("indexedDB" in window)) { return; }

  /* ---- Wiping: nothing of anyone stays once signed out ---- */
  function wipeAll() {
    var gone = caches.keys().then(function (names) {
      return Promise.all(names.filter(function (n) { return n.indexOf("ss-") === 0; })
        .map(function (n) { return caches.delete(n); }));
    });
    var listed = indexedDB.databases ? indexedDB.databases() : Promise.resolve([{ name: "ss-outbox-" + user }]);
    var dropped = listed.then(function (list) {
      return Promise.all(list.filter(function (d) { return d.name && d.name.indexOf("ss-") === 0; }).map(function (d) {
        return new Promise(function (done) {
          var request = indexedDB.deleteDatabase(d.name);
          request.onsuccess = request.onerror = request.onblocked = function () { done(); };
        });
      }));
    });
    return Promise.all([gone, dropped]);
  }

  if (!user) { wipeAll(); return; }

  /* ---- The outbox: this person's changes waiting for the network ---- */
  function withStore(names, mode, work) {
    return new Promise(function (resolve, reject) {
      var open = indexedDB.open("ss-outbox-" + user, 1);
      open.onupgradeneeded = function () {
        open.result.createObjectStore("outbox", { keyPath: "seq", autoIncrement: true });
        open.result.createObjectStore("settled", { keyPath: "seq", autoIncrement: true });
      };
      open.onerror = function () { reject(open.error); };
      open.onsuccess = function () {
        var db = open.result;
        var tx = db.transaction(names, mode);
        var result = work(tx);
        tx.oncomplete = function () { db.close(); resolve(result && result.value !== undefined ? result.value : result); };
        tx.onerror = tx.onabort = function () { db.close(); reject(tx.error); };
      };
    });
  }
  function all(name) {
    return withStore([name], "readonly", function (tx) {
      var box = { value: [] };
      tx.objectStore(name).openCursor().onsuccess = function (event) {
        var cursor = event.target.result;
        if (cursor) { box.value.push(cursor.value); cursor.continue(); }
      };
      return box;
    });
  }
  function put(name, entry) { return withStore([name], "readwrite", function (tx) { tx.objectStore(name).put(entry); }); }
  function drop(name, seq) { return withStore([name], "readwrite", function (tx) { tx.objectStore(name).delete(seq); }); }
  function settle(entry, outcome) {
    return withStore(["outbox", "settled"], "readwrite", function (tx) {
      tx.objectStore("outbox").delete(entry.seq);
      tx.objectStore("settled").put({ label: entry.label, url: entry.url, at: entry.created, outcome: outcome });
    });
  }

  /* ---- What the page says about it ---- */
  var box = document.querySelector("[data-road-box]");
  function text(tag, className, words) {
    var el = document.createElement(tag);
    if (className) { el.className = className; }
    el.textContent = words;
    return el;
  }
  var showing = Promise.resolve();
  function show() {  // one at a time: a later drawing never loses to an earlier one
    showing = showing.then(draw, draw);
    return showing;
  }
  function draw() {
    if (!box) { return Promise.resolve(); }
    return Promise.all([all("outbox"), all("settled")]).then(function (lists) {
      var waiting = lists[0];
      var settled = lists[1];
      var status = box.querySelector("[data-road-status]");
      var list = box.querySelector("[data-road-settled]");
      status.textContent = waiting.length ? interpolate(ngettext(
        "%(count)s change is kept on this device and is sent when you are back online.",
        "%(count)s changes are kept on this device and are sent when you are back online.", waiting.length
      ), { count: waiting.length }, true) : "";
      list.replaceChildren();
      settled.forEach(function (item) {
        var li = text("li", "road-settled road-settled--" + item.outcome.kind, "");
        li.appendChild(text("strong", "", item.label));
        li.appendChild(text("p", "", item.outcome.message));
        if (item.outcome.kind === "conflict") {
          li.appendChild(text("p", "road-theirs", interpolate(gettext("Now on StageSlot: %(theirs)s"), item.outcome, true)));
          li.appendChild(text("p", "road-yours", interpolate(gettext("Yours, not sent: %(yours)s"), item.outcome, true)));
        }
        var dismiss = text("button", "btn btn--ghost", gettext("Understood"));
        dismiss.type = "button";
        dismiss.addEventListener("click", function () { drop("settled", item.seq).then(show); });
        li.appendChild(dismiss);
        list.appendChild(li);
      });
      box.hidden = !waiting.length && !settled.length;
      box.dataset.waiting = String(waiting.length);
    });
  }

  /* ---- Offline: a replayable change goes to the outbox instead of the network ---- */
  function replayable(path) { return REPLAYABLE.some(function (re) { return re.test(path); }); }
  body.addEventListener("htmx:configRequest", function (event) {
    var detail = event.detail;
    var path = new URL(detail.path, location.href).pathname;
    if (navigator.onLine || detail.verb !== "post" || !replayable(path)) { return; }
    event.preventDefault();
    var form = new URLSearchParams();
    var values = detail.formData || detail.parameters;
    values.forEach(function (value, name) { if (name !== "csrfmiddlewaretoken") { form.append(name, value); } });
    var labelled = detail.triggeringEvent && detail.triggeringEvent.submitter;
    var label = (labelled && (labelled.getAttribute("aria-label") || labelled.textContent.trim())) || document.title;
    var entry = {
      key: crypto.randomUUID(), user: user, url: path, body: form.toString(),
      label: label.trim().slice(0, 120), created: new Date().toISOString()
    };
    put("outbox", entry).then(function () {
      detail.elt.classList.add("road-queued");
      detail.elt.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
      return show();
    });
  });

  /* ---- Back online: send in order, once each ---- */
  var sending = false;
  function send(entry, token) {
    return fetch(entry.url, {
      method: "POST", body: entry.body, credentials: "same-origin",
      headers: {
        "Content-Type": "application/x-www-form-urlencoded", "Idempotency-Key": entry.key,
        "X-CSRFToken": token, "X-StageSlot-As": entry.user, "HX-Request": "true"
      }
    }).then(function (response) {
      if (response.redirected) { return "stop"; }  // signed out meanwhile: it waits for the next sign-in
      if (response.ok) { return drop("outbox", entry.seq).then(function () { return "sent"; }); }
      if (response.status === 409 || response.status === 400 || response.status === 403 ||
          response.status === 404 || response.status === 410 || response.status === 422) {
        var type = response.headers.get("Content-Type") || "";
        return (type.indexOf("json") >= 0 ? response.json() : Promise.resolve({})).then(function (answer) {
          var outcome = answer.conflict ? { kind: "conflict", message: answer.conflict.message,
            theirs: answer.conflict.theirs, yours: answer.conflict.yours }
            : { kind: "refused", message: answer.error || gettext("StageSlot refused this change; nothing was changed.") };
          return settle(entry, outcome).then(function () { return "settled"; });
        });
      }
      return "stop";  // 429, 5xx: later, in the same order
    });
  }
  function replay() {
    if (sending || !navigator.onLine) { return Promise.resolve(); }
    sending = true;
    var run = function () {
      return fetch(keepUrl, { credentials: "same-origin", cache: "no-store" }).then(function (r) { return r.json(); })
        .then(function (data) {
          if (String(data.user) !== user) { return wipeAll(); }
          return all("outbox").then(function (entries) {
            return entries.reduce(function (chain, entry) {
              return chain.then(function (state) { return state === "stop" ? state : send(entry, data.csrf); });
            }, Promise.resolve("go"));
          });
        });
    };
    var done = function () { sending = false; root.dataset.roadSent = String(Date.now()); return show(); };
    var locked = navigator.locks ? navigator.locks.request("ss-replay", run) : run();
    return locked.then(done, done);
  }
  window.addEventListener("online", function () { replay().then(keepShows); });

  /* ---- Keeping the next shows on this device ---- */
  function keepShows() {
    if (!navigator.onLine) { return Promise.resolve(); }
    return navigator.serviceWorker.ready.then(function (registration) {
      return new Promise(function (resolve) {
        var channel = new MessageChannel();
        channel.port1.onmessage = function (event) { resolve(event.data); };
        registration.active.postMessage({ type: "sync" }, [channel.port2]);
      });
    }).then(function (result) {
      if (result && result.ok && result.user === null) { return wipeAll(); }
      if (result && result.ok) { root.dataset.roadKept = result.version; }
    });
  }
  show().catch(function () { /* storage off */ });
  if (navigator.onLine) {
    navigator.serviceWorker.register(body.dataset.roadSw, { scope: "/" })
      .then(function () { return replay(); }).then(keepShows).catch(function () { /* no worker: online only */ });
  }

  /* ---- Signing out: warn about unsent changes, then wipe ---- */
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-road-logout]") || form.dataset.roadWiped) { return; }
    event.preventDefault();
    all("outbox").catch(function () { return []; }).then(function (waiting) {
      var message = interpolate(ngettext(
        "%(count)s change made offline is not sent yet. Log out and lose it?",
        "%(count)s changes made offline are not sent yet. Log out and lose them?", waiting.length
      ), { count: waiting.length }, true);
      if (waiting.length && !window.confirm(message)) { return; }
      var worker = navigator.serviceWorker.controller;
      if (worker) { worker.postMessage({ type: "wipe" }); }
      return wipeAll().then(function () { form.dataset.roadWiped = "1"; form.submit(); });
    });
  }, true);
})();
