import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings as django_settings
from django.test import Client

SCREENSHOTS = Path(django_settings.BASE_DIR) / "var" / "screenshots"
PHONE = {"width": 390, "height": 844}
VIEWPORTS = {"phone": PHONE, "desktop": {"width": 1280, "height": 800}}


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


def watched_page(context):
    """A new page whose console errors and script errors are collected in
    `page.console_errors`: a CSP violation shows up there; tests assert there are none."""
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.console_errors = errors
    return page


@pytest.fixture
def web_page(browser_context):
    return watched_page(browser_context)


# The night-cramp journeys: a phone in New York, whose clock changes on 1 Nov 2026.
NEW_YORK = ZoneInfo("America/New_York")


def ny(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=NEW_YORK).astimezone(dt.UTC)


@pytest.fixture
def ny_context(needs_chromium, chromium, live_server, transactional_db, settings):
    settings.SITE_URL = live_server.url
    context = chromium.new_context(
        viewport=PHONE, base_url=live_server.url, timezone_id="America/New_York", locale="en-US"
    )
    context.set_default_timeout(10_000)
    yield context
    context.close()


@pytest.fixture
def ny_page(ny_context):
    return watched_page(ny_context)


@pytest.fixture
def carl(transactional_db):
    from tests.conftest import PASSWORD
    from tests.factories import UserFactory

    return UserFactory(email="carl@example.com", timezone="America/New_York", password=PASSWORD)


@pytest.fixture
def carl_page(ny_context, ny_page, live_server, carl):
    log_in(ny_context, live_server, carl)
    return ny_page


@pytest.fixture
def bob_client(client, bob):
    client.force_login(bob)
    return client


@pytest.fixture
def morning():
    # Tuesday 10 Nov 2026, 07:30 in New York.
    with time_machine.travel(ny(2026, 11, 10, 7, 30), tick=False):
        yield


# The other side of the world: Auckland, UTC+13 in November, for the morning screenshots.
AUCKLAND = ZoneInfo("Pacific/Auckland")


def akl(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=AUCKLAND).astimezone(dt.UTC)


@pytest.fixture
def kiri_page(needs_chromium, chromium, live_server, transactional_db, settings):
    """(page, kiri): a phone in Auckland, signed in as kiri, whose zone it is."""
    from tests.conftest import PASSWORD
    from tests.factories import UserFactory

    settings.SITE_URL = live_server.url
    kiri = UserFactory(email="kiri@example.com", timezone="Pacific/Auckland", password=PASSWORD)
    context = chromium.new_context(
        viewport=PHONE, base_url=live_server.url, timezone_id="Pacific/Auckland", locale="en-NZ"
    )
    context.set_default_timeout(10_000)
    log_in(context, live_server, kiri)
    yield watched_page(context), kiri
    context.close()


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
