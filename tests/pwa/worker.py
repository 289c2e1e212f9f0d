"""Driving the app's service worker in Chromium: waiting for it to control the page,
reaching it through the DevTools protocol (which delivers pushes and sync events), and
reading the notifications it shows."""

from playwright.sync_api import expect

# Counts, inside the worker, the notifications it has finished putting on screen (the
# real showNotification runs). Read the list only once the one awaited is shown:
# Chromium's getNotifications() drops from its list what the platform does not yet
# display, so a read while a notification is being shown loses it from the list for good.
COUNT_SHOWN = """() => {
  const registration = self.registration;
  const show = registration.showNotification.bind(registration);
  self.shownCount = 0;
  registration.showNotification = (title, options) =>
    show(title, options).then((result) => { self.shownCount += 1; return result; });
}"""

# The notifications on screen, read inside the worker (no page of the app needs to be open).
SHOWN = """() => self.registration.getNotifications().then((list) => list.map((n) => (
  {title: n.title, body: n.body, tag: n.tag, actions: n.actions.map((a) => a.title)}
)))"""


def until(page, predicate, timeout=10.0) -> bool:
    # Waits through Playwright, so its events (DevTools, console) keep arriving meanwhile.
    for _ in range(int(timeout * 10)):
        if predicate():
            return True
        page.wait_for_timeout(100)
    return bool(predicate())


def wait_for_worker(page) -> None:
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    if not page.evaluate("!!navigator.serviceWorker.controller"):
        page.reload()  # the first load is not yet controlled by the worker
    expect(page.locator("h1")).to_be_visible()
    assert page.evaluate("!!navigator.serviceWorker.controller")


def registration_id(page, cdp, live_server) -> str:
    """The id DevTools knows this origin's worker registration by, on a CDP session of
    the page (events for the ServiceWorker domain start arriving once it is enabled)."""
    registrations = []
    cdp.on("ServiceWorker.workerRegistrationUpdated", lambda e: registrations.extend(e["registrations"]))
    cdp.send("ServiceWorker.enable")

    def live():
        return [r for r in registrations if not r["isDeleted"] and r["scopeURL"].startswith(live_server.url)]

    assert until(page, lambda: live(), timeout=20), "no service worker registration reported"
    return live()[-1]["registrationId"]


class ShownNotifications:
    """The notifications the worker shows, read only when it has finished showing them."""

    def __init__(self, page, live_server):
        self.page = page
        self.origin = live_server.url
        assert until(page, lambda: self.worker() is not None), "no service worker running"
        self.worker().evaluate(COUNT_SHOWN)

    def worker(self):
        workers = self.page.context.service_workers
        return next((w for w in workers if w.url.startswith(self.origin)), None)

    def after(self, count: int) -> list[dict]:
        """The list once the worker has shown `count` notifications since counting began."""
        assert until(self.page, lambda: self.worker().evaluate("self.shownCount") >= count), (
            f"the worker did not show notification {count}"
        )
        return self.worker().evaluate(SHOWN)
