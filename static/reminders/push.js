// Subscribe this browser to Web Push (VAPID) and register the service worker.
(function () {
  "use strict";
  var section = document.getElementById("push");
  if (!section || !("serviceWorker" in navigator) || !("PushManager" in window)) return;
  var key = section.getAttribute("data-vapid-key");
  var endpointUrl = section.getAttribute("data-subscription-url");
  var swUrl = section.getAttribute("data-sw-url");
  var status = document.getElementById("push-status");

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
    navigator.serviceWorker.register(swUrl, { scope: "/" })
      .then(function (reg) { return reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: b64ToBytes(key) }); })
      .then(function (sub) { return send("POST", sub); })
      .then(function () { status.textContent = "Push is on for this browser. Tick “Browser push” above and save."; })
      .catch(function (e) { status.textContent = "Could not turn on push: " + e; });
  });
  if (disable) disable.addEventListener("click", function () {
    navigator.serviceWorker.getRegistration("/")
      .then(function (reg) { return reg && reg.pushManager.getSubscription(); })
      .then(function (sub) { return sub ? send("DELETE", sub).then(function () { return sub.unsubscribe(); }) : null; })
      .then(function () { status.textContent = "Push is off for this browser."; });
  });
})();
