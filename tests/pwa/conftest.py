import pytest

from tests.web.conftest import browser_context, log_in, web_page  # noqa: F401 - shared browser fixtures


@pytest.fixture
def viewport():
    # The installed app is a phone's: one viewport is enough here (tests/web covers both).
    return "phone"


@pytest.fixture
def alice_page(web_page, browser_context, live_server, alice):  # noqa: F811
    log_in(browser_context, live_server, alice)
    return web_page
