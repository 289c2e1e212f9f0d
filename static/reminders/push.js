// Subscribe this browser to Web Push (VAPID) and register the service worker.
(function () {
  "use strict";
  var section = document.getElementById("push");
  if (!section) return;
  var status = document.getElementById("push-status");
  if (!("serviceWorker" in navigator) || !("PushManager" in window) || !("Notification" in window)) {
    // An iPhone shows push only to the app added to the home screen (iOS 16.4+).
    if (status) status.textContent = "This browser cannot receive push notifications here. On an iPhone, add the app to the home screen first (see below), then open it from there.";
    var button = document.getElementById("push-enable");
    if (button) button.disabled = true;
    return;
  }
  var key = section.getAttribute("data-vapid-key");
  var endpointUrl = section.getAttribute("data-subscription-url");
  var swUrl = section.getAttribute("data-sw-url");

  function csrf() {
    var m = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : "";
  }
  function b64ToBytes(s) {
    var pad = "=".repeat((4 - (s.length % 4)) % 4);
    var raw = atob((s + pad).replace(/-/g, "+").replace(/_/g, "/"));
    return Uint8Array.from(raw, function (c) { return c.charCodeAt(0); });
  }
  function send(method, sub) {
    var json = sub.toJSON();
    return fetch(endpointUrl, {
      method: method, credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
      body: JSON.stringify(method === "POST" ? { endpoint: json.endpoint, keys: json.keys } : { endpoint: json.endpoint })
    });
  }
  var enable = document.getElementById("push-enable");
  var disable = document.getElementById("push-disable");
  if (enable) enable.addEventListener("click", function () {
    status.textContent = "Asking your browser…";
    Notification.requestPermission()
      .then(function (answer) {
        if (answer !== "granted") throw new Error("notifications are blocked for this site; allow them in the browser's site settings");
        return navigator.serviceWorker.register(swUrl, { scope: "/" });
      })
      .then(function () { return navigator.serviceWorker.ready; })
      .then(function (reg) { return reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: b64ToBytes(key) }); })
      .then(function (sub) { return send("POST", sub); })
      .then(function (r) {
        if (!r.ok) throw new Error("the server refused the subscription (" + r.status + ")");
        // The server added push to the plan's channels: no box left to tick.
        status.textContent = "Notifications are on for this device.";
      })
      .catch(function (e) { status.textContent = "Could not turn on notifications: " + (e && e.message ? e.message : e) + "."; });
  });
  if (disable) disable.addEventListener("click", function () {
    navigator.serviceWorker.getRegistration("/")
      .then(function (reg) { return reg && reg.pushManager.getSubscription(); })
      .then(function (sub) { return sub ? send("DELETE", sub).then(function () { return sub.unsubscribe(); }) : null; })
      .then(function () { status.textContent = "Notifications are off for this device."; });
  });
  navigator.serviceWorker.getRegistration("/")
    .then(function (reg) { return reg && reg.pushManager.getSubscription(); })
    .then(function (sub) { if (sub && status && !status.textContent) status.textContent = "Notifications are on for this device."; })
    .catch(function () {});
})();
