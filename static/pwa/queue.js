// The offline queue, shared by the page (static/pwa/offline.js) and the service worker
// (/sw.js, which imports it): entries logged with no connection wait in IndexedDB as
// the API calls they stand for, each with its Idempotency-Key, and go out in the order
// they were made. The API replays a key it has seen, so sending an entry twice (the
// page and the worker at once, a lost answer) never logs it twice.
(function (scope) {
  "use strict";
  var DB_NAME = "cramp-tracker-offline";
  var STORE = "queue";

  function openDb() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = function () { request.result.createObjectStore(STORE, { keyPath: "id" }); };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }
  function withStore(mode, work) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(STORE, mode);
        var result = work(tx.objectStore(STORE));
        tx.oncomplete = function () { db.close(); resolve(result && "result" in result ? result.result : undefined); };
        tx.onerror = function () { db.close(); reject(tx.error); };
      });
    });
  }
  function add(item) { return withStore("readwrite", function (s) { return s.add(item); }); }
  function remove(id) { return withStore("readwrite", function (s) { return s.delete(id); }); }
  // One user's entries, oldest first: another login on the same phone must not send them.
  function entriesOf(user) {
    return withStore("readonly", function (s) { return s.getAll(); }).then(function (items) {
      items = items.filter(function (item) { return item.user === user; });
      items.sort(function (a, b) { return a.created_at < b.created_at ? -1 : 1; });
      return items;
    });
  }

  function call(method, url, body, csrf, key) {
    var headers = { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrf };
    if (key) headers["Idempotency-Key"] = key;
    return fetch(url, { method: method, credentials: "same-origin", headers: headers, body: body === undefined ? undefined : JSON.stringify(body) });
  }

  // A check-in for a day that has one already (made on another device meanwhile) is a
  // 400 that says to PATCH it: find it and change it, as the page would.
  function patchExistingCheckin(item, csrf) {
    var day = item.body.day;
    var api = item.url.replace(/checkins\/$/, "");
    return fetch(api + "checkins/?from=" + day + "&to=" + day, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        var row = data && data.results && data.results[0];
        if (!row) return false;
        var changes = Object.assign({}, item.body);
        delete changes.day;
        return call("PATCH", api + "checkins/" + row.id + "/", changes, csrf).then(function (r) { return r.ok; });
      });
  }

  function send(item, csrf) {
    return call("POST", item.url, item.body, csrf, item.id).then(function (response) {
      if (response.ok) return "sent";
      if (response.status === 400 && item.kind === "checkin") {
        return patchExistingCheckin(item, csrf).then(function (ok) { return ok ? "sent" : "refused"; });
      }
      if (response.status === 400) return "refused";  // it will never pass: say so and drop it
      return "later";  // logged out, throttled, server trouble: keep it
    });
  }

  // Send a user's entries in order; stop at the first that must wait. `csrf(item)` gives
  // the token to send (the page reads its cookie; the worker, which cannot, uses the one
  // stored with the entry). Resolves to {sent, refused: [texts], waiting}. One sender at
  // a time (a Web Lock shared by pages and the worker): the second finds what is left.
  function sync(user, csrf) {
    var locks = scope.navigator && scope.navigator.locks;
    if (!locks) return sendAll(user, csrf);
    return locks.request("cramp-tracker-offline-queue", function () { return sendAll(user, csrf); });
  }

  function sendAll(user, csrf) {
    var outcome = { sent: 0, refused: [], waiting: 0 };
    return entriesOf(user).then(function (items) {
      var chain = Promise.resolve(true);
      items.forEach(function (item) {
        chain = chain.then(function (go) {
          if (!go) { outcome.waiting += 1; return false; }
          return send(item, csrf(item)).then(function (result) {
            if (result === "later") { outcome.waiting += 1; return false; }
            if (result === "refused") outcome.refused.push(item.text);
            else outcome.sent += 1;
            return remove(item.id).then(function () { return true; });
          }, function () { outcome.waiting += 1; return false; });  // the connection dropped again
        });
      });
      return chain;
    }).then(function () { return outcome; });
  }

  scope.OfflineQueue = { add: add, entriesOf: entriesOf, sync: sync, TAG: "offline-queue" };
})(self);
