"""The main journeys in a real browser (Debian's Chromium through Playwright) against
the live server, at 390 px and at desktop width, under the strict CSP."""

import datetime as dt

import pytest
from django.core import mail
from playwright.sync_api import expect

from accounts.models import User
from tests.conftest import PASSWORD
from tests.factories import EpisodeFactory, IntakeFactory
from tests.web.conftest import log_in, screenshot
from tracker.celery import app as celery_app
from tracker.logbook.advice import SEVERE_DEHYDRATION_MESSAGE
from tracker.logbook.models import Episode, Intake

pytestmark = pytest.mark.browser


@pytest.fixture
def alice_page(web_page, browser_context, live_server, alice):
    log_in(browser_context, live_server, alice)
    return web_page


def test_signup_defaults_the_browser_timezone_and_the_emailed_link_verifies(web_page, live_server):
    page = web_page
    page.goto("/signup/")
    # The context runs in America/Chicago; the static script picked it up.
    expect(page.get_by_label("Timezone")).to_have_value("America/Chicago")
    page.get_by_label("Email").fill("dana@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create my account").click()
    expect(page.get_by_text("We sent an email to dana@example.com")).to_be_visible()
    # Signed in with the password, as a taken address would be (the same answer for both).
    expect(page.get_by_label("Email")).to_have_value("dana@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("h1")).to_contain_text("Set up")  # the first-run set-up (tests/pwa)
    dana = User.objects.get(email="dana@example.com")
    assert dana.timezone == "America/Chicago" and not dana.email_verified

    (message,) = mail.outbox
    link = next(line for line in message.body.splitlines() if "/verify/" in line)
    assert link.startswith(live_server.url)
    page.goto(link)
    expect(page.get_by_text("your email address is confirmed")).to_be_visible()
    dana.refresh_from_db()
    assert dana.email_verified
    assert page.console_errors == []


def test_a_preset_drink_fills_the_bar_and_undo_takes_it_back(alice_page, alice, viewport):
    page = alice_page
    page.goto("/")
    expect(page.locator("#fluid-progress-text")).to_contain_text("0 ml of 2,000 ml")
    page.get_by_role("button", name="Glass").click()
    expect(page.locator("#fluid-progress-text")).to_contain_text("250 ml of 2,000 ml (13%)")
    expect(page.get_by_role("status").filter(has_text="Logged 250 ml of water.")).to_be_visible()
    assert Intake.objects.filter(user=alice, volume_ml=250).count() == 1
    screenshot(page, viewport, "today")
    page.get_by_role("button", name="Undo").click()
    expect(page.get_by_text("Nothing logged yet today.")).to_be_visible()
    expect(page.locator("#fluid-progress-text")).to_contain_text("0 ml of 2,000 ml")
    assert not Intake.objects.filter(user=alice).exists()
    assert page.console_errors == []


def test_a_cramp_takes_two_taps(alice_page, alice, viewport):
    page = alice_page
    page.goto("/")
    page.get_by_role("button", name="Log a cramp").click()
    expect(page.get_by_role("heading", name="Log a cramp")).to_be_visible()
    screenshot(page, viewport, "cramp-logger")
    page.get_by_text("Foot", exact=True).click()  # tap 1: the muscle
    page.get_by_role("button", name="Severity 6, save").click()  # tap 2: severity saves
    expect(page.get_by_text("Cramp logged: foot, severity 6,")).to_be_visible()
    episode = Episode.objects.get(user=alice)
    assert (episode.muscle, episode.severity, episode.duration_seconds) == ("foot", 6, 30)
    assert page.console_errors == []


def test_a_red_flag_symptom_shows_the_advice_at_once_and_after_saving(alice_page, alice):
    page = alice_page
    page.goto("/cramp/")
    page.get_by_role("link", name="More details").click()
    advice = page.get_by_text(SEVERE_DEHYDRATION_MESSAGE)
    expect(advice).to_be_hidden()
    page.get_by_label("Muscle").select_option("calf")
    page.get_by_label("Severity").fill("8")
    page.get_by_label("Fainting").check()
    expect(advice).to_be_visible()  # before anything is saved
    page.get_by_label("Fainting").uncheck()
    expect(advice).to_be_hidden()
    page.get_by_label("Fainting").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("alert").filter(has_text=SEVERE_DEHYDRATION_MESSAGE)).to_be_visible()
    assert Episode.objects.get(user=alice).symptoms == ["fainting"]
    assert page.console_errors == []


def test_history_finds_an_entry_by_filter_and_edits_it(alice_page, alice, viewport):
    page = alice_page
    now = dt.datetime.now(dt.UTC)
    EpisodeFactory(user=alice, started_at=now - dt.timedelta(days=20), muscle="hamstring", severity=3)
    IntakeFactory(user=alice, taken_at=now - dt.timedelta(days=20), volume_ml=444)
    IntakeFactory(user=alice, taken_at=now - dt.timedelta(hours=1), volume_ml=555)
    page.goto("/history/")
    expect(page.locator(".what", has_text="555 ml water")).to_be_visible()
    expect(page.get_by_text("hamstring")).to_have_count(0)  # older than the default range
    screenshot(page, viewport, "history")
    start = (now - dt.timedelta(days=30)).date().isoformat()
    page.get_by_label("From").fill(start)
    page.get_by_label("Cramps").check()
    page.get_by_role("button", name="Show entries").click()
    expect(page.locator(".what", has_text="Cramp: hamstring, severity 3")).to_be_visible()
    expect(page.get_by_text("444 ml")).to_have_count(0)
    page.get_by_role("link", name="Edit Cramp: hamstring").click()
    page.get_by_label("Severity").fill("7")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Saved the cramp.")).to_be_visible()
    assert Episode.objects.get(user=alice).severity == 7


@pytest.fixture
def celery_eager():
    # The recompute normally runs on a worker; here the page, not the pipeline, is
    # under test, so the task runs in the web request (tests/accounts covers the task).
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = False


def test_changing_timezone_moves_history_to_the_right_diary_days(alice_page, alice, celery_eager):
    page = alice_page
    day = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=3)
    # 05:00 UTC is morning in Berlin (diary day `day`) but 00:00/01:00 in New York,
    # before the 04:00 day start, so it belongs to the evening before there.
    EpisodeFactory(user=alice, started_at=dt.datetime.combine(day, dt.time(5, 0), dt.UTC), muscle="toes")
    heading = f"{day:%A} {day.day} {day:%B %Y}"
    before = day - dt.timedelta(days=1)
    heading_before = f"{before:%A} {before.day} {before:%B %Y}"
    page.goto("/history/")
    expect(page.get_by_role("region", name=heading)).to_contain_text("toes")

    page.goto("/settings/")
    page.get_by_label("Timezone").select_option("America/New_York")
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_text("moved to the right diary days")).to_be_visible()

    page.goto("/history/")
    expect(page.get_by_role("region", name=heading_before)).to_contain_text("toes")
    expect(page.get_by_role("region", name=heading)).to_have_count(0)
    assert Episode.objects.get(user=alice).day == before
