"""The check-in's "Anything worrying?" group in a real browser at 390 x 844 in
America/New_York, under the strict CSP: the advice shows the moment a red flag is
ticked, before anything is saved, and again after saving."""

import datetime as dt

import pytest
import time_machine
from playwright.sync_api import expect

from tests.conftest import PASSWORD
from tests.factories import UserFactory
from tests.web.conftest import NEW_YORK, PHONE, log_in, screenshot, watched_page
from tracker.logbook.advice import PREGNANCY_DAY_MESSAGE, SEIZURE_MESSAGE, SEVERE_DEHYDRATION_MESSAGE
from tracker.logbook.models import CheckIn

pytestmark = pytest.mark.browser
# 07:30 on Tuesday 10 Nov in New York: the check-in asks about Monday 9 Nov.
MORNING = dt.datetime(2026, 11, 10, 7, 30, tzinfo=NEW_YORK)


@pytest.fixture
def dana(transactional_db):
    # Pregnant, so the pregnancy questions are asked too.
    return UserFactory(
        email="dana@example.com",
        timezone="America/New_York",
        password=PASSWORD,
        pregnancy_due_date=dt.date(2027, 3, 1),
    )


@pytest.fixture
def dana_page(ny_context, live_server, dana):
    log_in(ny_context, live_server, dana)
    return watched_page(ny_context)


def test_a_red_flag_in_the_checkin_shows_the_advice_at_once_and_after_saving(dana_page, dana):
    page = dana_page
    with time_machine.travel(MORNING, tick=True):
        page.goto("/checkin/")
        expect(page.get_by_role("heading", level=1)).to_contain_text("yesterday")
        fainted = page.get_by_text("Fainted", exact=True)
        expect(fainted).to_be_hidden()  # the group starts closed: the everyday check-in stays short
        page.get_by_text("Anything worrying?").click()
        expect(fainted).to_be_visible()
        dehydration = page.get_by_text(SEVERE_DEHYDRATION_MESSAGE)
        pregnancy = page.get_by_text(PREGNANCY_DAY_MESSAGE)
        expect(dehydration).to_be_hidden()
        fainted.click()
        expect(dehydration).to_be_visible()  # before anything is saved
        fainted.click()
        expect(dehydration).to_be_hidden()
        page.get_by_text("High blood pressure (pregnant)", exact=True).click()
        expect(pregnancy).to_be_visible()
        expect(page.get_by_text(SEIZURE_MESSAGE)).to_be_hidden()
        # One phone screen wide: nothing runs off the side at 390 px.
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        screenshot(page, "phone", "checkin-red-flags")
        page.get_by_text("No cramps", exact=True).click()
        page.get_by_role("button", name="Save check-in").click()
        expect(page.get_by_role("alert").filter(has_text=PREGNANCY_DAY_MESSAGE)).to_be_visible()
    checkin = CheckIn.objects.get(user=dana)
    assert checkin.day == dt.date(2026, 11, 9)
    assert checkin.red_flags == ["high_blood_pressure_in_pregnancy"]
    assert page.console_errors == []
