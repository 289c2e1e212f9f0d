"""Issue 9 journeys in a real browser at 390 x 844 in America/New_York: the night
cramp logged the next morning, local times after htmx swaps, undo and restore."""

import datetime as dt
import re

import pytest
import time_machine
from playwright.sync_api import expect

from tests.conftest import PASSWORD
from tests.web.conftest import PHONE, log_in, ny, screenshot
from tracker.logbook.models import Episode, Intake

pytestmark = pytest.mark.browser


class Taps:
    """Counts the taps a journey takes."""

    def __init__(self, page):
        self.page, self.count = page, 0

    def __call__(self, locator):
        locator.click()
        self.count += 1


def test_last_nights_cramp_at_07_30_takes_four_taps_and_counts_as_a_night_cramp(carl_page, carl):
    page = carl_page
    with time_machine.travel(ny(2026, 11, 10, 7, 30), tick=True):
        page.goto("/")
        tap = Taps(page)
        tap(page.get_by_role("button", name="Log a cramp"))
        expect(page.get_by_label("At about")).to_be_hidden()
        tap(page.get_by_text("Last night", exact=True))
        expect(page.get_by_label("At about")).to_have_value("03:00")
        expect(page.get_by_label("It woke me up")).to_be_checked()
        tap(page.get_by_text("Left", exact=True))
        tap(page.get_by_text("Calf", exact=True))
        screenshot(page, "phone", "cramp-last-night")
        tap(page.get_by_role("button", name="Severity 7, save"))
        expect(page.get_by_text("Cramp logged: left calf, severity 7, at 03:00 (a night cramp).")).to_be_visible()
        assert tap.count <= 5
        episode = Episode.objects.get(user=carl)
        assert episode.started_at == ny(2026, 11, 10, 3, 0)
        assert (episode.muscle, episode.side, episode.sleep_disturbed, episode.at_night) == ("calf", "left", True, True)

        page.goto("/reports/weekly/?week=2026-W46")
        night_row = page.get_by_role("row", name="Night cramps")
        expect(night_row.get_by_role("cell")).to_have_text(re.compile(r"^1 \(on 1 night"))
        response = page.request.get("/api/v1/reports/weekly/?week=2026-W46")
        assert response.ok, response.text()
        assert response.json()["episodes"]["night_count"] == 1
    assert page.console_errors == []


def test_enter_on_a_muscle_does_not_log(carl_page, carl):
    page = carl_page
    page.goto("/cramp/")
    page.get_by_text("Foot", exact=True).click()
    page.locator("#id_muscle_3").press("Enter")
    page.wait_for_timeout(500)
    expect(page.get_by_role("heading", name="Log a cramp")).to_be_visible()
    assert not Episode.objects.filter(user=carl).exists()
    page.get_by_role("button", name="Severity 6, save").click()
    expect(page.get_by_text("Cramp logged: foot, severity 6")).to_be_visible()
    assert Episode.objects.get(user=carl).severity == 6


def test_the_time_after_a_one_tap_drink_and_after_undo_is_local(carl_page, carl):
    page = carl_page
    with time_machine.travel(ny(2026, 11, 10, 9, 5), tick=True):
        page.goto("/")
        page.get_by_role("button", name="Glass").click()
        expect(page.get_by_role("status").filter(has_text="Logged 250 ml of water.")).to_be_visible()
        expect(page.locator(".entries .when").first).to_have_text(re.compile(r"^09:0[5-6]$"))
        page.get_by_role("button", name="Bottle").click()
        expect(page.locator(".entries li")).to_have_count(2)
        page.get_by_role("button", name="Undo").click()
        expect(page.locator(".entries li")).to_have_count(1)
        expect(page.locator(".entries .when").first).to_have_text(re.compile(r"^09:0[5-6]$"))
        # Undo took back the entry just made and offers nothing on the older one.
        expect(page.get_by_role("button", name="Undo")).to_have_count(0)
    assert page.console_errors == []


def test_signup_without_javascript_asks_the_timezone(needs_chromium, chromium, live_server, transactional_db):
    context = chromium.new_context(
        viewport=PHONE, base_url=live_server.url, timezone_id="America/New_York", java_script_enabled=False
    )
    page = context.new_page()
    page.goto("/signup/")
    expect(page.get_by_label("Timezone")).to_have_value("")
    page.get_by_label("Email").fill("nojs@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create my account").click()
    expect(page.get_by_text("Choose your timezone, so your days and nights are counted right.")).to_be_visible()
    page.get_by_label("Timezone").select_option("America/New_York")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create my account").click()
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    # A new account goes on to the first-run set-up (tracker/pwa), then Today.
    expect(page.locator("h1")).to_contain_text("Set up")
    from accounts.models import User

    assert User.objects.get(email="nojs@example.com").timezone == "America/New_York"
    context.close()


def test_a_traveller_is_offered_the_devices_zone(needs_chromium, chromium, live_server, transactional_db, carl):
    context = chromium.new_context(viewport=PHONE, base_url=live_server.url, timezone_id="Europe/Paris")
    log_in(context, live_server, carl)
    page = context.new_page()
    page.goto("/")
    page.get_by_role("button", name="Use Europe/Paris").click()
    expect(page.get_by_text("Your diary now keeps time in Europe/Paris.")).to_be_visible()
    carl.refresh_from_db()
    assert carl.timezone == "Europe/Paris"
    expect(page.get_by_role("button", name="Use Europe/Paris")).to_be_hidden()
    context.close()


def test_a_deleted_entry_is_restored_from_today_and_from_history(carl_page, carl):
    page = carl_page
    page.goto("/")
    page.get_by_role("button", name="Glass").click()
    page.get_by_role("button", name="Undo").click()
    expect(page.get_by_text("Nothing logged yet today.")).to_be_visible()
    page.get_by_role("button", name="Restore").click()
    expect(page.get_by_text("Restored the drink.")).to_be_visible()
    expect(page.locator(".entries li")).to_have_count(1)

    page.goto("/history/")
    page.get_by_role("link", name="Delete 250 ml water").click()
    page.get_by_role("button", name="Delete").click()
    expect(page.get_by_role("heading", name="Recently deleted")).to_be_visible()
    page.get_by_role("button", name=re.compile(r"^Restore Drink of")).click()
    expect(page.get_by_text("Restored the drink.")).to_be_visible()
    assert Intake.objects.filter(user=carl, volume_ml=250).count() == 1
    assert page.console_errors == []


def test_the_morning_checkin_takes_at_most_twelve_taps(carl_page, carl):
    from tracker.logbook.models import CheckIn

    page = carl_page
    with time_machine.travel(ny(2026, 11, 10, 7, 45), tick=True):
        page.goto("/")
        tap = Taps(page)
        tap(page.get_by_role("button", name="Check in for yesterday"))
        tap(page.get_by_text("No cramps", exact=True))
        sleep = page.get_by_role("group", name="Hours of sleep")
        tap(sleep.get_by_text("7", exact=True))
        tap(page.get_by_role("group", name="Hours sitting").get_by_text("8", exact=True))
        tap(page.get_by_role("group", name="Hours standing").get_by_text("2", exact=True))
        tap(page.get_by_role("group", name="Tiredness (1 = fresh, 5 = exhausted)").get_by_text("3", exact=True))
        tap(page.get_by_role("group", name="Stress (1 = calm, 5 = very stressed)").get_by_text("2", exact=True))
        tap(page.get_by_role("group", name="Alcohol units").get_by_text("0", exact=True))
        tap(page.get_by_text("Hot environment or heavy sweating"))
        screenshot(page, "phone", "checkin-morning")
        tap(page.get_by_role("button", name="Save check-in"))
        expect(page.get_by_text("Check-in for Monday 9 November saved.")).to_be_visible()
        assert tap.count <= 12
    checkin = CheckIn.objects.get(user=carl)
    assert checkin.day == dt.date(2026, 11, 9) and checkin.no_cramps
    assert (checkin.sleep_hours, checkin.sitting_hours, checkin.standing_hours) == (7, 8, 2)
    assert (checkin.fatigue, checkin.stress, checkin.alcohol_units, checkin.hot_environment) == (3, 2, 0, True)
    assert page.console_errors == []


def test_units_round_trip_exactly_in_the_browser(carl_page, carl):
    page = carl_page
    page.set_default_timeout(30_000)  # a long page (every timezone) on a busy machine
    page.goto("/settings/")
    page.get_by_label("Units").select_option("us")
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_text("Settings saved.")).to_be_visible()
    expect(page.locator("#id_presets-0-amount")).to_have_value("8.5")
    page.get_by_role("button", name="Save settings").click()  # saved as shown, in fl oz
    expect(page.get_by_text("Settings saved.")).to_be_visible()
    page.get_by_label("Units").select_option("metric")
    page.get_by_role("button", name="Save settings").click()
    expect(page.locator("#id_presets-0-amount")).to_have_value("250")
    carl.refresh_from_db()
    assert [p["volume_ml"] for p in carl.drink_presets] == [250, 500, 300]
