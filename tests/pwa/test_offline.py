"""Logging offline in Chromium: a drink, a cramp and a check-in made with no connection
wait in IndexedDB, go out when the connection returns, and a replay of the same queued
entries (an answer lost on the way back) logs nothing twice."""

import datetime as dt

import pytest
import time_machine
from playwright.sync_api import expect

from tests.pwa.worker import registration_id, until, wait_for_worker
from tests.web.conftest import NEW_YORK, carl, carl_page, log_in, ny_context, ny_page  # noqa: F401 - fixtures
from tracker.logbook.models import CheckIn, Episode, Intake

pytestmark = pytest.mark.browser

READ_QUEUE = """() => new Promise((resolve, reject) => {
  const open = indexedDB.open("cramp-tracker-offline", 1);
  open.onsuccess = () => {
    const req = open.result.transaction("queue").objectStore("queue").getAll();
    req.onsuccess = () => { open.result.close(); resolve(req.result); };
    req.onerror = () => reject(req.error);
  };
  open.onerror = () => reject(open.error);
})"""

PUT_BACK = """(items) => new Promise((resolve, reject) => {
  const open = indexedDB.open("cramp-tracker-offline", 1);
  open.onsuccess = () => {
    const tx = open.result.transaction("queue", "readwrite");
    items.forEach((item) => tx.objectStore("queue").put(item));
    tx.oncomplete = () => { open.result.close(); resolve(true); };
    tx.onerror = () => reject(tx.error);
  };
})"""


def saved_offline(page):
    return page.locator("[data-offline-message]").filter(has_text="Saved on this phone, will sync")


def dispatch_background_sync(page, browser_context, live_server) -> None:
    """Wake the app's service worker with the offline queue's sync event, as the browser
    does when the connection returns (DevTools sends it: headless Chromium's own network
    watch does not see the offline emulation)."""
    cdp = browser_context.new_cdp_session(page)
    registration = registration_id(page, cdp, live_server)
    cdp.send(
        "ServiceWorker.dispatchSyncEvent",
        {
            "origin": live_server.url,
            "registrationId": registration,
            "tag": "offline-queue",
            "lastChance": False,
        },
    )


def test_entries_made_offline_sync_once_when_the_connection_returns(alice_page, browser_context, alice):
    page = alice_page
    page.goto("/")
    wait_for_worker(page)
    browser_context.set_offline(True)

    page.goto("/")
    page.get_by_role("button", name="Glass").click()
    expect(saved_offline(page)).to_contain_text("250 ml of water")
    page.goto("/cramp/")
    page.get_by_text("Foot", exact=True).click()
    page.get_by_role("button", name="Severity 6, save").click()
    expect(saved_offline(page)).to_contain_text("a cramp (foot, severity 6)")
    page.goto("/checkin/")
    # The check-in is tap chips (radios): only the chosen ones go in the queued entry.
    page.get_by_text("Yes, I had cramps", exact=True).click()  # the cramp above
    page.get_by_role("group", name="Hours of sleep").get_by_text("6", exact=True).click()
    page.get_by_role("button", name="Save check-in").click()
    expect(saved_offline(page)).to_contain_text("the check-in for")

    queued = page.evaluate(READ_QUEUE)
    assert sorted(item["kind"] for item in queued) == ["checkin", "episode", "intake"]
    assert len({item["id"] for item in queued}) == 3  # one Idempotency-Key each
    assert not Intake.objects.for_user(alice).exists()
    assert not Episode.objects.for_user(alice).exists()
    assert not CheckIn.objects.for_user(alice).exists()

    browser_context.set_offline(False)  # the browser says "online": the queue goes out
    expect(page.get_by_text("Synced 3 entries saved on this phone.")).to_be_visible()
    assert page.evaluate(READ_QUEUE) == []
    intake = Intake.objects.for_user(alice).get()
    assert (intake.volume_ml, intake.beverage) == (250, "water")
    episode = Episode.objects.for_user(alice).get()
    # The default chip, as online: "Under a minute" is 30 s.
    assert (episode.muscle, episode.severity, episode.duration_seconds) == ("foot", 6, 30)
    checkin = CheckIn.objects.for_user(alice).get()
    assert checkin.sleep_hours == 6 and not checkin.no_cramps and checkin.sitting_hours is None

    # The same entries sent again, as after an answer lost on the way back: the API
    # replays its first answer for each key and nothing is logged twice.
    page.evaluate(PUT_BACK, queued)
    page.reload()
    expect(page.get_by_text("Synced 3 entries saved on this phone.")).to_be_visible()
    assert Intake.objects.for_user(alice).count() == 1
    assert Episode.objects.for_user(alice).count() == 1
    assert CheckIn.objects.for_user(alice).count() == 1
    # Requests made while offline (the unread-badge poll) fail, as they should; nothing else does.
    assert [e for e in page.console_errors if "ERR_INTERNET_DISCONNECTED" not in e] == []


def test_queued_entries_wait_for_their_own_user(alice_page, browser_context, alice, bob, live_server):
    page = alice_page
    page.goto("/")
    wait_for_worker(page)
    browser_context.set_offline(True)
    page.goto("/")
    page.get_by_role("button", name="Glass").click()
    expect(saved_offline(page)).to_be_visible()
    page.close()
    # Bob signs in on the same phone before Alice came back online.
    browser_context.clear_cookies()
    log_in(browser_context, live_server, bob)
    browser_context.set_offline(False)
    page = browser_context.new_page()
    page.goto("/")
    page.wait_for_timeout(1000)
    assert len(page.evaluate(READ_QUEUE)) == 1
    assert not Intake.objects.exists()
    # Alice again: her drink goes out under her name.
    browser_context.clear_cookies()
    log_in(browser_context, live_server, alice)
    page.goto("/")
    expect(page.get_by_text("Synced 1 entry saved on this phone.")).to_be_visible()
    assert Intake.objects.for_user(alice).count() == 1 and not Intake.objects.for_user(bob).exists()


def test_last_nights_cramp_logged_offline_keeps_its_time_and_details(carl_page, ny_context, carl):  # noqa: F811
    # The morning after, on a train with no signal: "last night, 03:00, woke me, left
    # calf, over 5 min, 7" must arrive as that, not as a one-minute cramp "now".
    page = carl_page
    page.goto("/cramp/")
    wait_for_worker(page)
    ny_context.set_offline(True)
    page.goto("/cramp/")
    page.get_by_text("Last night", exact=True).click()
    page.get_by_label("At about").fill("03:00")
    expect(page.get_by_label("It woke me up")).to_be_checked()
    page.get_by_text("Left", exact=True).click()
    page.get_by_text("Calf", exact=True).click()
    page.get_by_text("Over 5 min", exact=True).click()
    page.get_by_role("button", name="Severity 7, save").click()
    expect(saved_offline(page)).to_contain_text("a cramp (calf, severity 7)")
    ny_context.set_offline(False)
    expect(page.get_by_text("Synced 1 entry saved on this phone.")).to_be_visible()

    # Worked by hand for a 23:00-07:00 sleep window: after 07:00 in New York "last
    # night 03:00" is today's 03:00; before it, yesterday's.
    local_now = dt.datetime.now(NEW_YORK)
    night_of = local_now.date() if local_now.time() >= dt.time(7) else local_now.date() - dt.timedelta(days=1)
    expected = dt.datetime.combine(night_of, dt.time(3), tzinfo=NEW_YORK)
    episode = Episode.objects.for_user(carl).get()
    assert episode.started_at == expected
    assert (episode.muscle, episode.side, episode.severity) == ("calf", "left", 7)
    assert (episode.duration_seconds, episode.sleep_disturbed, episode.at_night) == (420, True, True)


def test_earlier_tonight_offline_after_midnight_is_the_evening_before(carl_page, ny_context, carl):  # noqa: F811
    # At 01:00 on 10 November in New York, "earlier tonight at 23:45" is 9 November.
    page = carl_page
    page.goto("/cramp/")
    wait_for_worker(page)
    page.clock.set_fixed_time(dt.datetime(2026, 11, 10, 1, 0, tzinfo=NEW_YORK))
    ny_context.set_offline(True)
    page.goto("/cramp/")
    page.get_by_text("Earlier tonight", exact=True).click()
    page.get_by_label("At about").fill("23:45")
    page.get_by_text("Foot", exact=True).click()
    page.get_by_role("button", name="Severity 4, save").click()
    expect(saved_offline(page)).to_contain_text("a cramp (foot, severity 4)")
    ny_context.set_offline(False)
    expect(page.get_by_text("Synced 1 entry saved on this phone.")).to_be_visible()
    episode = Episode.objects.for_user(carl).get()
    assert episode.started_at == dt.datetime(2026, 11, 9, 23, 45, tzinfo=NEW_YORK)


def test_the_service_worker_sends_the_queue_with_the_app_closed(alice_page, browser_context, live_server, alice):
    # A drink logged offline, then the app closed: when the connection returns the
    # browser wakes the service worker (background sync), which sends it alone.
    page = alice_page
    page.goto("/")
    wait_for_worker(page)
    browser_context.set_offline(True)
    page.goto("/")
    page.get_by_role("button", name="Glass").click()
    expect(saved_offline(page)).to_contain_text("250 ml of water")
    # The app is closed: no page of it runs. (The worker may already have sent it: the
    # offline emulation does not always reach a restarted service worker.)
    page.goto("about:blank")

    # The connection returns; the browser wakes the worker with a sync event (DevTools
    # sends it here: headless Chromium's own network watch does not see the emulation).
    browser_context.set_offline(False)
    dispatch_background_sync(page, browser_context, live_server)
    assert until(page, lambda: Intake.objects.for_user(alice).exists(), timeout=15)
    intake = Intake.objects.for_user(alice).get()
    assert (intake.volume_ml, intake.beverage) == (250, "water")
    page.goto("/")
    assert page.evaluate(READ_QUEUE) == []
    assert Intake.objects.for_user(alice).count() == 1


def test_a_checkin_made_offline_in_the_morning_is_for_yesterday_even_on_a_page_kept_from_the_day_before(
    carl_page,  # noqa: F811
    ny_context,  # noqa: F811
    carl,  # noqa: F811
):
    # The check-in page was kept on Monday morning (it asked about Sunday then). On
    # Tuesday at 07:30, offline, the check-in made on it is about Monday and its night,
    # as the server's rule says (checkin_due_day), not Sunday nor Tuesday.
    page = carl_page
    monday_morning = dt.datetime(2026, 11, 9, 8, 0, tzinfo=NEW_YORK)
    tuesday_morning = dt.datetime(2026, 11, 10, 7, 30, tzinfo=NEW_YORK)
    with time_machine.travel(monday_morning, tick=True):
        page.clock.set_fixed_time(monday_morning)
        page.goto("/checkin/")
        wait_for_worker(page)
        page.goto("/checkin/")  # the copy the worker keeps
        expect(page.get_by_role("heading", level=1)).to_contain_text("Sunday 8 November")
    with time_machine.travel(tuesday_morning, tick=True):
        page.clock.set_fixed_time(tuesday_morning)
        ny_context.set_offline(True)
        page.goto("/checkin/")
        expect(page.get_by_role("heading", level=1)).to_contain_text("Sunday 8 November")  # the kept copy
        page.get_by_text("No cramps", exact=True).click()
        page.get_by_role("button", name="Save check-in").click()
        expect(saved_offline(page)).to_contain_text("the check-in for Monday 9 November")
        ny_context.set_offline(False)
        expect(page.get_by_text("Synced 1 entry saved on this phone.")).to_be_visible()
    checkin = CheckIn.objects.for_user(carl).get()
    assert (checkin.day, checkin.no_cramps) == (dt.date(2026, 11, 9), True)
