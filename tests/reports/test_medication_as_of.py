"""A report for a past week shows the medicines as they stood at the end of that
week: not a start made after it, and a medicine stopped after it as still taken then."""

import datetime as dt

import pytest
import time_machine

from accounts.models import Medication
from tests.factories import CheckInFactory, EpisodeFactory
from tests.reports.conftest import local

NOW = dt.datetime(2026, 11, 10, 12, 0, tzinfo=dt.UTC)  # Tuesday of 2026-W46 in Berlin
# Three weeks before the week under way: Mon 19 – Sun 25 Oct 2026.
WEEK, WEEK_START, WEEK_END = "2026-W43", dt.date(2026, 10, 19), dt.date(2026, 10, 25)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def medicines(alice):
    # Started last week, after the report's week: not part of that week at all.
    Medication.objects.create(user=alice, name="Magnesium", drug_class="magnesium", started_on=dt.date(2026, 11, 3))
    # Taken through the week and stopped a week after it: still taken then.
    Medication.objects.create(
        user=alice,
        name="Water tablet",
        drug_class="diuretic",
        started_on=dt.date(2026, 9, 28),
        stopped_on=dt.date(2026, 11, 1),
    )
    # Logged days on both sides of the start, and after the week (which must not count).
    for k in range(70):
        day = dt.date(2026, 8, 24) + dt.timedelta(days=k)
        CheckInFactory(user=alice, day=day, no_cramps=k % 3 != 0)
    for k in range(0, 70, 3):
        day = dt.date(2026, 8, 24) + dt.timedelta(days=k)
        EpisodeFactory(user=alice, started_at=local(alice, day.year, day.month, day.day, 20, 0))


def weekly(client, week):
    response = client.get("/api/v1/reports/weekly/", {"week": week})
    assert response.status_code == 200, response.content
    return response.json()


def test_a_past_weeks_report_lists_the_medicines_as_they_stood_at_its_end(alice_api, medicines):
    report = weekly(alice_api, WEEK)
    changes = [(c["medication"], c["change"], c["on"]) for c in report["medication_changes"]]
    # The start of 28 Sep is the only change up to 25 Oct: not last week's start, not the later stop.
    assert changes == [("Water tablet", "started", "2026-09-28")]
    assert [(m["name"], m["started_on"], m["stopped_on"], m["taking"]) for m in report["medicines"]] == [
        ("Water tablet", "2026-09-28", None, True)
    ]
    # After the start: 7 settle-in days (28 Sep – 4 Oct), then 5–25 Oct only: 21 logged
    # days, not the days logged after the week.
    start = report["medication_changes"][0]
    after = [dt.date(2026, 10, 5) + dt.timedelta(days=k) for k in range(21)]
    cramp_days = {dt.date(2026, 8, 24) + dt.timedelta(days=k) for k in range(0, 70, 3)}
    assert (start["after_logged_days"], start["after_cramps"]) == (21, sum(d in cramp_days for d in after))
    assert start["after_days"] == 28  # 28 Sep – 25 Oct
    assert "yet" not in start["summary"]


def test_the_weekly_page_of_a_past_week_says_what_was_taken_then(client, alice, medicines):
    client.force_login(alice)
    body = client.get("/reports/weekly/", {"week": WEEK}).content.decode()
    assert "Magnesium" not in body
    assert "You started Water tablet" in body
    assert "You stopped" not in body
    assert "Taking at the end of this week: Water tablet" in body


def test_the_print_view_of_a_past_range_shows_a_later_stop_as_still_taken(client, alice, medicines):
    client.force_login(alice)
    body = client.get("/reports/print/", {"start": WEEK_START.isoformat(), "end": WEEK_END.isoformat()})
    text = body.content.decode()
    assert "Magnesium" not in text
    row = next(part for part in text.split("<tr>") if "Water tablet" in part)
    assert 'data-label="Stopped">–<' in row
    assert "1 Nov" not in row


def test_the_week_under_way_still_shows_last_weeks_start(alice_api, medicines):
    report = weekly(alice_api, "2026-W46")
    changes = [(c["medication"], c["change"]) for c in report["medication_changes"]]
    assert ("Magnesium", "started") in changes and ("Water tablet", "stopped") in changes
    assert [(m["name"], m["taking"]) for m in report["medicines"]] == [("Magnesium", True), ("Water tablet", False)]
