"""The first run and the Reminders page in Chromium at 390 px, in a zone far from UTC:
they fit the phone, pass axe, and the install hint says what this browser can do."""

import pytest
from playwright.sync_api import expect

from accounts.models import User
from reminders.models import Plan
from tests.conftest import PASSWORD
from tests.web.conftest import VIEWPORTS, log_in
from tests.web.test_layout import _check

pytestmark = pytest.mark.browser

IPHONE_UA = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)


def test_a_new_user_sets_up_in_a_minute_and_lands_on_today(web_page, settings):
    settings.VAPID_PUBLIC_KEY = "BTestKey"
    page = web_page
    page.goto("/signup/")
    page.get_by_label("Email").fill("fran@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create my account").click()
    # Signed in with the password, as a taken address would be (the same answer for both).
    expect(page.get_by_label("Email")).to_have_value("fran@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("h1")).to_contain_text("Set up")
    assert _check(page, "phone") == []
    page.get_by_label("Body weight (kg, optional)").fill("80")
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_text("Daily goal: 2,400 ml.")).to_be_visible()
    expect(page.get_by_text("When do you usually sleep?")).to_be_visible()
    page.get_by_role("link", name="Skip this step").click()
    expect(page.get_by_role("heading", name="Install the app")).to_be_visible()
    # Chromium here cannot prompt (no install event in a test profile): the menu route is shown.
    expect(page.get_by_text("Use your browser's menu")).to_be_visible()
    expect(page.get_by_role("button", name="Allow notifications on this device")).to_be_visible()
    assert _check(page, "phone") == []
    page.get_by_role("button", name="Send a test reminder now").click()
    expect(page.get_by_text("Test reminder on its way (in the app).")).to_be_visible()
    page.get_by_role("button", name="Finish and open Today").click()
    expect(page.locator("h1")).to_contain_text("Today")
    fran = User.objects.get(email="fran@example.com")
    assert fran.body_weight_kg == 80 and fran.goal_ml == 2400


def test_on_an_iphone_the_hint_gives_the_share_steps(chromium, needs_chromium, live_server, alice, transactional_db):
    context = chromium.new_context(
        viewport=VIEWPORTS["phone"], base_url=live_server.url, user_agent=IPHONE_UA, timezone_id="Asia/Tokyo"
    )
    try:
        log_in(context, live_server, alice)
        page = context.new_page()
        page.goto("/reminders/")
        hint = page.locator("[data-install-hint]")
        expect(hint).to_contain_text("tap Share")
        expect(hint).to_contain_text("Add to Home Screen")
        expect(page.get_by_text("Use your browser's menu")).to_be_hidden()
    finally:
        context.close()


def test_the_reminders_page_fits_a_phone_and_rotating_the_secret_shows_it_once(alice_page, alice):
    page = alice_page
    page.goto("/reminders/")
    expect(page.locator("#reminders-summary")).to_contain_text("(your local time, Europe/Berlin)")
    assert _check(page, "phone") == []
    page.get_by_role("button", name="Make a new signing secret").click()
    secret = Plan.objects.get(user=alice).webhook_secret
    expect(page.locator("#webhook-secret")).to_have_text(secret)
    assert _check(page, "phone") == []
    page.goto("/reminders/")
    expect(page.locator("#webhook-secret")).to_have_count(0)
    for path in ("/offline/", "/welcome/"):
        page.goto(path)
        assert _check(page, "phone") == [], path
