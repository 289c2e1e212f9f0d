// The offline queue, shared by the page (static/pwa/offline.js) and the service worker
// (/sw.js, which imports it): entries logged with no connection wait in IndexedDB as
// the API calls they stand for, each with its Idempotency-Key, and go out in the order
// they were made. The API replays a key it has seen, so sending an entry twice (the
// page and the worker at once, a lost answer) never logs it twice.
//
// A queued entry whose answer carries red-flag advice (`red_flag_message`: a check-in
// with "fainted", say) leaves that advice in a second database until a page of the app
// shows it: the service worker may send the entry with the app closed, hours after the
// form showed the advice once, and "see a doctor" must not be lost on the way.
(function (scope) {
  "use strict";
  var QUEUE = { name: "cramp-tracker-offline", store: "queue" };
  // Its own database, so the queue's (version 1, which older pages open) needs no upgrade.
  var ADVICE = { name: "cramp-tracker-advice", store: "advice" };

  function openDb(db) {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open(db.name, 1);
      request.onupgradeneeded = function () { request.result.createObjectStore(db.store, { keyPath: "id" }); };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }
  function withStore(db, mode, work) {
    return openDb(db).then(function (conn) {
      return new Promise(function (resolve, reject) {
        var tx = conn.transaction(db.store, mode);
        var result = work(tx.objectStore(db.store));
        tx.oncomplete = function () { conn.close(); resolve(result && "result" in result ? result.result : undefined); };
        tx.onerror = function () { conn.close(); reject(tx.error); };
      });
    });
  }
  // One user's rows, oldest first: another login on the same phone must not see them.
  function rowsOf(db, user) {
    return withStore(db, "readonly", function (s) { return s.getAll(); }).then(function (items) {
      items = items.filter(function (item) { return item.user === user; });
      items.sort(function (a, b) { return a.created_at < b.created_at ? -1 : 1; });
      return items;
    });
  }
  function add(item) { return withStore(QUEUE, "readwrite", function (s) { return s.add(item); }); }
  function remove(id) { return withStore(QUEUE, "readwrite", function (s) { return s.delete(id); }); }
  function entriesOf(user) { return rowsOf(QUEUE, user); }

  // Advice not yet shown: {id (the entry's key), user, what, text, created_at}.
  function keepAdvice(item, text) {
    var advice = { id: item.id, user: item.user, what: item.text, text: text, created_at: item.created_at };
    return withStore(ADVICE, "readwrite", function (s) { return s.put(advice); });
  }
  // The user's advice waiting to be shown, handed over once: whoever takes it shows it.
  function takeAdvice(user) {
    return rowsOf(ADVICE, user).then(function (items) {
      if (!items.length) return items;
      return withStore(ADVICE, "readwrite", function (s) {
        items.forEach(function (item) { s.delete(item.id); });
      }).then(function () { return items; });
    });
  }
  function adviceOf(response) {
    return response.json().then(function (data) { return (data && data.red_flag_message) || ""; }, function () { return ""; });
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
        return call("PATCH", api + "checkins/" + row.id + "/", changes, csrf);
      })
      .then(function (response) { return response && response.ok ? response : null; });
  }

  // "sent" (its red-flag advice, if any, kept until a page shows it), "refused" or "later".
  function send(item, csrf) {
    return call("POST", item.url, item.body, csrf, item.id).then(function (response) {
      if (response.ok) return sent(item, response);
      if (response.status === 400 && item.kind === "checkin") {
        return patchExistingCheckin(item, csrf).then(function (r) { return r ? sent(item, r) : "refused"; });
      }
      if (response.status === 400) return "refused";  // it will never pass: say so and drop it
      return "later";  // logged out, throttled, server trouble: keep it
    });
  }
  function sent(item, response) {
    return adviceOf(response).then(function (text) {
      return text ? keepAdvice(item, text).then(function () { return "sent"; }) : "sent";
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

  scope.OfflineQueue = { add: add, entriesOf: entriesOf, sync: sync, takeAdvice: takeAdvice,
    pendingAdvice: function (user) { return rowsOf(ADVICE, user); }, TAG: "offline-queue" };
})(self);
