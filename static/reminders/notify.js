// While the app is open: keep the unread badge fresh and show new in-app
// reminders as browser notifications (if the user allowed them).
(function () {
  "use strict";
  var link = document.querySelector(".notifications-link");
  if (!link) return;
  var url = link.getAttribute("data-unread-url");
  var seenKey = "reminders.lastSeenNotification";
  var lastSeen = parseInt(window.localStorage.getItem(seenKey) || "0", 10);

  function setBadge(count) {
    var badge = link.querySelector(".badge");
    if (!count) { if (badge) badge.remove(); return; }
    if (!badge) { badge = document.createElement("span"); badge.className = "badge"; link.appendChild(badge); }
    badge.textContent = String(count);
    badge.setAttribute("aria-label", count + " unread");
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) return;
        var items = data.results || [];
        setBadge(items.length >= 50 ? "50+" : items.length);
        items.forEach(function (n) {
          if (n.id > lastSeen && "Notification" in window && Notification.permission === "granted") {
            new Notification(n.title, { body: n.body, tag: "reminder-" + n.id });
          }
        });
        if (items.length) {
          lastSeen = Math.max(lastSeen, items[0].id);
          window.localStorage.setItem(seenKey, String(lastSeen));
        }
      })
      .catch(function () {});
  }

  link.addEventListener("click", function () {
    if ("Notification" in window && Notification.permission === "default") Notification.requestPermission();
  });
  poll();
  window.setInterval(poll, 60000);
})();
