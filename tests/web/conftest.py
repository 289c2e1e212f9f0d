from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import Client

SCREENSHOTS = Path(django_settings.BASE_DIR) / "var" / "screenshots"
VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 800}}


@pytest.fixture(params=list(VIEWPORTS))
def viewport(request):
    return request.param


@pytest.fixture
def browser_context(needs_chromium, chromium, viewport, live_server, transactional_db, settings):
    settings.SITE_URL = live_server.url
    context = chromium.new_context(
        viewport=VIEWPORTS[viewport], base_url=live_server.url, timezone_id="America/Chicago", locale="en-GB"
    )
    context.set_default_timeout(10_000)
    yield context
    context.close()


@pytest.fixture
def web_page(browser_context):
    page = browser_context.new_page()
    errors = []
    # A CSP violation or a script error shows up here; the tests assert there are none.
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.console_errors = errors
    return page


def log_in(context, live_server, user) -> None:
    """Reuse a server-side login instead of typing it: a session cookie for `user`."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME]
    context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])


def screenshot(page, viewport: str, name: str) -> None:
    if viewport == "phone":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        # caret="initial": hiding the caret injects a <style>, which the CSP (rightly) blocks.
        page.screenshot(path=str(SCREENSHOTS / f"{name}-390.png"), full_page=True, caret="initial")
