{% autoescape false %}// The service worker (served at /sw.js, scope "/"): keeps the app shell for offline
// use, shows pushed reminders with their actions, and carries an action out from the
// notification itself, without opening the app.
"use strict";
var VERSION = "__VERSION__";
var SHELL_CACHE = "shell-" + VERSION;
var PAGE_CACHE = "pages";
var SHELL = {{ shell }};
var PAGES = {{ pages }};
var OFFLINE_URL = {{ offline_url }};
var LOGOUT_URL = {{ logout_url }};
var STATIC_PREFIX = {{ static_prefix }};
var ME_URL = {{ me_url }};
importScripts({{ queue_script }});

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(SHELL_CACHE).then(function (cache) { return cache.addAll(SHELL.map(offlineCopy)); }).then(function () {
    return self.skipWaiting();
  }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (n) { return n.indexOf("shell-") === 0 && n !== SHELL_CACHE; })
      .map(function (n) { return caches.delete(n); }));
  }).then(function () { return self.clients.claim(); }).then(keepPages));
});

// A background fetch of a page to keep: marked, so the page leaves the flash messages
// (they belong to the page the user opens next, not to a copy kept for later).
function offlineCopy(url) {
  return new Request(url, { credentials: "same-origin", headers: { "X-Offline-Copy": "1" } });
}

function pageKey(url) {
  // One copy per page, whatever the query string (?day=... shows the same form).
  return new URL(url).origin + new URL(url).pathname;
}

function keepPage(url, response) {
  // Only a signed-in page: a redirect to the login form is not worth keeping.
  if (!response.ok || response.redirected || response.type !== "basic") return Promise.resolve();
  return caches.open(PAGE_CACHE).then(function (cache) { return cache.put(pageKey(url), response); });
}

// The pages that work offline, fetched once when the worker starts, so they are there
// even if the user never opened them online since installing.
function keepPages() {
  return Promise.all(PAGES.map(function (path) {
    var url = new URL(path, self.location.origin).href;
    return fetch(offlineCopy(url)).then(function (r) { return keepPage(url, r); }).catch(function () {});
  }));
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.method !== "GET") {
    // Logging out removes the pages kept for offline use: they show the diary.
    if (url.pathname === LOGOUT_URL) event.waitUntil(caches.delete(PAGE_CACHE));
    return;
  }
  if (url.pathname.indexOf(STATIC_PREFIX) === 0) {
    event.respondWith(caches.match(request).then(function (hit) { return hit || fetch(request); }));
    return;
  }
  if (request.mode !== "navigate") return;  // the API and everything else: network only
  event.respondWith(fetch(request).then(function (response) {
    // Keep the latest copy of the pages that work offline (not a redirect to the login).
    if (PAGES.indexOf(url.pathname) !== -1) event.waitUntil(keepPage(request.url, response.clone()));
    return response;
  }).catch(function () {
    return caches.open(PAGE_CACHE).then(function (cache) { return cache.match(pageKey(request.url)); })
      .then(function (hit) { return hit || caches.match(OFFLINE_URL); });
  }));
});

// ---------------------------------------------------------------- the offline queue

// Background sync: entries logged offline go out when the connection returns, even
// with the app closed. Only the signed-in user's entries are sent; a failure rejects,
// so the browser tries again later. Open pages are told what was synced.
self.addEventListener("sync", function (event) {
  if (event.tag === self.OfflineQueue.TAG) event.waitUntil(syncQueue());
});

function syncQueue() {
  return fetch(ME_URL, { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (response) {
      if (!response.ok) throw new Error("not signed in: the entries wait");
      return response.json();
    })
    .then(function (me) {
      return self.OfflineQueue.sync(me.id, function (item) { return item.csrf || ""; }).then(function (outcome) {
        var message = { type: "offline-queue-synced", user: me.id, sent: outcome.sent, refused: outcome.refused };
        return self.clients.matchAll({ type: "window" }).then(function (windows) {
          windows.forEach(function (w) { w.postMessage(message); });
          return windows.length ? null : notifyAdvice(me.id);
        }).then(function () {
          if (outcome.waiting) throw new Error("some entries must wait");
        });
      });
    });
}

// Red-flag advice from a synced entry, with no page of the app open: a notification
// where the person allowed them. The advice also waits in IndexedDB for the next page
// (queue.js), so it is seen even when notifications are off.
function notifyAdvice(user) {
  if (!self.Notification || self.Notification.permission !== "granted") return Promise.resolve();
  return self.OfflineQueue.pendingAdvice(user).then(function (items) {
    return Promise.all(items.map(function (a) {
      return self.registration.showNotification("About " + a.what, {
        body: a.text, tag: "red-flag-" + a.id, data: { url: "/" }
      });
    }));
  }).catch(function () {});
}

// ---------------------------------------------------------------- push reminders

self.addEventListener("push", function (event) {
  var data = {};
  try { data = event.data ? event.data.json() : {}; } catch (e) { data = { title: "Reminder", body: event.data.text() }; }
  event.waitUntil(showReminder(data));
});

function showReminder(data) {
  // Up to two actions on the notification: "Drank 250 ml" and "Snooze 1 h".
  var actions = (data.actions || []).slice(0, 2).map(function (a, i) {
    return { action: a.action || String(i), title: a.title || a.label, url: a.url };
  });
  return self.registration.showNotification(data.title || "Reminder", {
    body: data.body || "",
    tag: data.tag || "reminder",
    icon: SHELL.filter(function (u) { return u.indexOf("icon-192") !== -1; })[0],
    actions: actions.map(function (a) { return { action: a.action, title: a.title }; }),
    data: { actions: actions, url: data.url || "/" }
  });
}

// Posts the signed one-tap link (it needs no session and acts once however often it is
// posted) and replaces the reminder with a short confirmation.
function runAction(notification, actionId) {
  var d = notification.data || {};
  var chosen = (d.actions || []).filter(function (a) { return a.action === actionId; })[0];
  if (!chosen) return openPage(d.url || "/");
  notification.close();
  return fetch(chosen.url, { method: "POST", credentials: "omit", headers: { Accept: "application/json" } })
    .then(function (response) { return response.json(); })
    .then(function (result) {
      return self.registration.showNotification(result.text, { tag: notification.tag, body: "", data: { url: d.url || "/" } });
    })
    .catch(function () { return openPage(chosen.url); });  // offline: the link's own page, to try again
}

function openPage(url) {
  return self.clients.matchAll({ type: "window", includeUncontrolled: true }).then(function (windows) {
    for (var i = 0; i < windows.length; i++) {
      if ("focus" in windows[i]) return windows[i].navigate(url).then(function (w) { return w && w.focus(); });
    }
    return self.clients.openWindow(url);
  });
}

self.addEventListener("notificationclick", function (event) {
  var notification = event.notification;
  if (event.action) {
    event.waitUntil(runAction(notification, event.action));
  } else {
    notification.close();
    event.waitUntil(openPage((notification.data || {}).url || "/"));
  }
});

// A page of this site may ask the worker to run a shown notification's action, as a tap
// on it would (the browser tests use this: nothing can click a system notification).
self.addEventListener("message", function (event) {
  var msg = event.data || {};
  if (msg.type !== "notification-action") return;
  event.waitUntil(self.registration.getNotifications({ tag: msg.tag }).then(function (list) {
    if (list.length) return runAction(list[0], msg.action);
  }));
});
{% endautoescape %}
