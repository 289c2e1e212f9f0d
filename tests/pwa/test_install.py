"""The installable app in Chromium: the manifest and the service worker make the home
page installable (DevTools' own check), and the app opens with no connection."""

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from PIL import Image
from playwright.sync_api import expect

from tests.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.pwa.worker import wait_for_worker
from tests.web.conftest import VIEWPORTS, log_in

pytestmark = pytest.mark.browser


def test_the_manifest_names_the_app_its_icons_and_standalone_display(client):
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200 and response["Content-Type"] == "application/manifest+json"
    data = response.json()
    assert data["name"] and data["short_name"] == "Cramp tracker"
    assert data["display"] == "standalone" and data["start_url"] == "/" and data["theme_color"] == "#0172ad"
    sizes = {(icon["sizes"], icon["purpose"]) for icon in data["icons"]}
    assert sizes == {("192x192", "any"), ("512x512", "any"), ("192x192", "maskable"), ("512x512", "maskable")}
    for icon in data["icons"]:
        path = finders.find(icon["src"].removeprefix(settings.STATIC_URL))
        assert path, icon["src"]
        with Image.open(path) as image:
            assert image.format == "PNG" and f"{image.width}x{image.height}" == icon["sizes"]


def test_every_page_links_the_manifest(client, alice):
    assert b'rel="manifest" href="/manifest.webmanifest"' in client.get("/login/").content
    client.force_login(alice)
    assert b'rel="manifest" href="/manifest.webmanifest"' in client.get("/").content


def test_chromium_finds_the_home_page_installable(needs_chromium, chromium, live_server, alice, tmp_path):
    # A persistent profile: Chromium never offers to install from an incognito-like
    # context, which is what an ordinary Playwright context is.
    context = chromium.browser_type.launch_persistent_context(
        str(tmp_path / "profile"),
        executable_path=CHROMIUM,
        args=CHROMIUM_ARGS,
        base_url=live_server.url,
        viewport=VIEWPORTS["phone"],
        timezone_id="America/New_York",
    )
    try:
        log_in(context, live_server, alice)
        page = context.new_page()
        errors = []
        page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        page.goto("/")
        wait_for_worker(page)
        cdp = context.new_cdp_session(page)
        manifest = cdp.send("Page.getAppManifest")
        assert manifest["errors"] == [] and manifest["url"].endswith("/manifest.webmanifest")
        assert cdp.send("Page.getInstallabilityErrors")["installabilityErrors"] == []
        assert errors == []
    finally:
        context.close()


def test_the_app_opens_offline_on_the_pages_that_log(alice_page, browser_context):
    page = alice_page
    for path in ("/", "/cramp/", "/checkin/"):
        page.goto(path)
        wait_for_worker(page)
    browser_context.set_offline(True)
    page.goto("/")
    expect(page.locator("h1")).to_contain_text("Today")
    expect(page.get_by_role("button", name="Glass")).to_be_visible()
    page.goto("/cramp/")
    expect(page.get_by_role("heading", name="Log a cramp")).to_be_visible()
    page.goto("/history/")  # not kept offline: the offline page says what does work
    expect(page.get_by_role("heading", name="You are offline")).to_be_visible()
    expect(page.locator("link[rel=stylesheet]").first).to_have_count(1)
    # The styles came from the worker's cache, so the page is laid out, not bare HTML.
    assert page.evaluate("getComputedStyle(document.body).fontFamily") != "Times New Roman"
    browser_context.set_offline(False)

    # Logging out drops the pages kept for offline use: they show the diary.
    page.goto("/")
    assert page.evaluate("caches.has('pages')")
    page.evaluate("document.querySelector('form[action=\"/logout/\"]').submit()")
    page.wait_for_url("**/login/")
    assert not page.evaluate("caches.has('pages')")


def test_the_offline_copies_the_service_worker_fetches_leave_the_flash_messages_for_the_page(client, alice):
    # The worker fetches Today, Cramp and Check-in in the background when it starts (and a
    # deploy restarts it). Such a copy must not take the message the user's own next page
    # is about to show — "see a doctor" after a check-in, "we sent an email" after signing up.
    client.force_login(alice)
    response = client.post("/checkin/", {"day": "", "cramps": "no", "fainting": "on"}, follow=False)
    assert response.status_code == 302
    copy = client.get("/", headers={"X-Offline-Copy": "1"})
    assert copy.status_code == 200 and "medical attention" not in copy.content.decode()
    page = client.get(response["Location"]).content.decode()
    assert 'role="alert"' in page and "medical attention" in page
