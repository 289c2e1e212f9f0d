// Service worker (served at /sw.js for a root scope): shows pushed reminders and
// opens an action's one-tap page when the user taps it.
self.addEventListener("push", function (event) {
  var data = {};
  try { data = event.data ? event.data.json() : {}; } catch (e) { data = { title: "Reminder", body: event.data.text() }; }
  var actions = (data.actions || []).slice(0, 2);
  event.waitUntil(self.registration.showNotification(data.title || "Reminder", {
    body: data.body || "",
    actions: actions.map(function (a, i) { return { action: String(i), title: a.label }; }),
    data: { actions: actions, url: "/notifications/" }
  }));
});
self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  var d = event.notification.data || {};
  var chosen = event.action !== "" && d.actions ? d.actions[parseInt(event.action, 10)] : null;
  event.waitUntil(clients.openWindow(chosen ? chosen.url : d.url || "/"));
});
