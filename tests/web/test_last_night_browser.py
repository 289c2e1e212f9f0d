"""Last night on Today, in a real browser at 390 x 844, as someone in Auckland opening
the app at 07:30 after cramps at 03:10 (yesterday's diary day) and 05:20 (today's)."""

import re

import pytest
import time_machine
from playwright.sync_api import expect

from tests.factories import EpisodeFactory
from tests.web.conftest import PHONE, akl, screenshot
from tracker.logbook.models import Episode

pytestmark = pytest.mark.browser


def test_at_07_30_today_shows_last_nights_cramps_above_the_fluid_and_each_opens_its_entry(kiri_page):
    page, kiri = kiri_page
    night = EpisodeFactory(
        user=kiri, started_at=akl(2026, 11, 10, 3, 10), muscle="calf", side="left", severity=7, sleep_disturbed=True
    )
    EpisodeFactory(user=kiri, started_at=akl(2026, 11, 10, 5, 20), muscle="foot", side="right", severity=4)
    with time_machine.travel(akl(2026, 11, 10, 7, 30), tick=True):
        page.goto("/")
        section = page.locator(".last-night")
        expect(section).to_have_text(
            re.compile(
                r"Last night: 2 cramps —\s+Edit the cramp at 03:10 left calf, severity 7, woke you; "
                r"1 more after 04:00, under “Logged today”\."
            )
        )
        # Near the top: read before the fluid panel, without scrolling a phone screen.
        top = section.bounding_box()
        assert top["y"] + top["height"] < page.get_by_role("heading", name="Fluid").bounding_box()["y"]
        assert top["y"] + top["height"] <= PHONE["height"]
        # The 05:20 cramp is on today's diary day: listed once, in today's list.
        expect(page.locator(".entries li")).to_have_count(1)
        expect(page.locator(".entries .when")).to_have_text("05:20")
        expect(page.get_by_role("button", name="Check in for yesterday")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        screenshot(page, "phone", "today-last-night-auckland")

        # A one-tap drink swaps the panel (htmx): the section stays.
        page.get_by_role("button", name="Glass").click()
        expect(page.get_by_role("status").filter(has_text="Logged 250 ml of water.")).to_be_visible()
        expect(section).to_contain_text("Last night: 2 cramps")

        page.get_by_role("link", name="Edit the cramp at 03:10 left calf, severity 7, woke you").click()
        expect(page.get_by_role("heading", name="Edit the cramp")).to_be_visible()
        expect(page.get_by_label("When it started")).to_have_value("2026-11-10T03:10")
        page.get_by_label("Severity").fill("8")
        page.get_by_role("button", name="Save").click()
        expect(page).to_have_url(re.compile(r"/$"))
        expect(section).to_contain_text("03:10 left calf, severity 8, woke you")
    night.refresh_from_db()
    assert night.severity == 8 and Episode.objects.filter(user=kiri).count() == 2
    assert page.console_errors == []
