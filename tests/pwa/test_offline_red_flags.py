"""Red-flag advice for an entry logged offline: the check-in form shows it when the box
is ticked, and it is shown again when the queued check-in reaches the server, on the
page that sends it or, if the service worker sent it with the app closed, on the next
page the person opens (and as a notification where they allowed them)."""

import pytest
import time_machine
from playwright.sync_api import expect

from tests.pwa.test_offline import READ_QUEUE, dispatch_background_sync, saved_offline
from tests.pwa.worker import ShownNotifications, until, wait_for_worker
from tests.web.conftest import akl, kiri_page, screenshot  # noqa: F401 - fixtures
from tracker.logbook.advice import SEVERE_DEHYDRATION_MESSAGE
from tracker.logbook.models import CheckIn

pytestmark = pytest.mark.browser


def synced_advice(page):
    return page.locator("#messages [role=alert]").filter(has_text="(saved on this phone, now synced)")


def check_in_offline_with_fainting(page, browser_context):
    page.goto("/checkin/")
    wait_for_worker(page)
    browser_context.set_offline(True)
    page.goto("/checkin/")
    page.get_by_text("No cramps", exact=True).click()
    page.get_by_text("Anything worrying?").click()
    page.get_by_text("Fainted", exact=True).click()
    expect(page.get_by_text(SEVERE_DEHYDRATION_MESSAGE)).to_be_visible()  # the form's own, as before
    page.get_by_role("button", name="Save check-in").click()
    expect(saved_offline(page)).to_contain_text("the check-in for")


def test_the_page_that_syncs_a_red_flag_checkin_shows_the_advice_as_an_alert(kiri_page):  # noqa: F811
    # 07:30 in Auckland: the check-in made offline is about yesterday, Monday 9 November.
    page, kiri = kiri_page
    morning = akl(2026, 11, 10, 7, 30)
    with time_machine.travel(morning, tick=True):
        page.clock.set_fixed_time(morning)
        check_in_offline_with_fainting(page, page.context)
        expect(synced_advice(page)).to_have_count(0)
        page.context.set_offline(False)
        expect(page.get_by_text("Synced 1 entry saved on this phone.")).to_be_visible()
        expect(synced_advice(page)).to_have_text(
            f"The check-in for Monday 9 November (saved on this phone, now synced): {SEVERE_DEHYDRATION_MESSAGE}"
        )
        screenshot(page, "phone", "offline-red-flag-synced-auckland")
        checkin = CheckIn.objects.for_user(kiri).get()
        assert (str(checkin.day), checkin.fainting) == ("2026-11-09", True)
        # Shown once: the next page does not repeat it.
        page.goto("/")
        expect(page.locator("h1")).to_contain_text("Today")
        expect(synced_advice(page)).to_have_count(0)


def test_advice_from_a_checkin_the_worker_sent_with_the_app_closed_shows_on_the_next_page(
    alice_page, browser_context, live_server, alice
):
    page = alice_page
    browser_context.grant_permissions(["notifications"], origin=live_server.url)
    check_in_offline_with_fainting(page, browser_context)
    notifications = ShownNotifications(page, live_server)
    page.goto("about:blank")  # the app is closed

    browser_context.set_offline(False)
    dispatch_background_sync(page, browser_context, live_server)
    assert until(page, lambda: CheckIn.objects.for_user(alice).exists(), timeout=15)
    # Notifications were allowed: the worker showed the advice, with no page open (it
    # keeps the advice for the next page first).
    shown = notifications.after(1)
    assert [n["body"] for n in shown if n["tag"].startswith("red-flag-")] == [SEVERE_DEHYDRATION_MESSAGE]

    page.goto("/")
    expect(synced_advice(page)).to_contain_text(SEVERE_DEHYDRATION_MESSAGE)
    assert page.evaluate(READ_QUEUE) == []
    page.reload()
    expect(page.locator("h1")).to_contain_text("Today")
    expect(synced_advice(page)).to_have_count(0)
    assert [e for e in page.console_errors if "ERR_INTERNET_DISCONNECTED" not in e] == []
