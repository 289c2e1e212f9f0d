"""A red flag logged in a check-in (outside any cramp) reaches every report: the weekly
JSON, the weekly page, the print view and the weekly email, as "You logged X on <date>:
that needs a doctor", dated by the user's own diary day, and without the urgent
"call emergency services now" that belongs to the moment of logging."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import CheckInFactory, EpisodeFactory
from tests.reports.conftest import local
from tracker.reports import services

NEW_YORK = ZoneInfo("America/New_York")
# Wednesday 4 Nov 2026, 22:30 in New York: already Thursday 5 Nov 03:30 in UTC.
EVENING = dt.datetime(2026, 11, 4, 22, 30, tzinfo=NEW_YORK)
NOW = dt.datetime(2026, 11, 10, 17, 0, tzinfo=dt.UTC)  # Tuesday of the next week
WEEK, WEEK_START, WEEK_END = "2026-W45", dt.date(2026, 11, 2), dt.date(2026, 11, 8)
FAINTING = (
    "You logged fainting on 4 Nov 2026: that needs a doctor. "
    "Fainting, confusion or sunken eyes can mean severe dehydration — see a doctor."
)
URGENT_WORDS = ("emergency", "immediately", "now", "call ")


@pytest.fixture
def bob_client(client, bob):
    client.force_login(bob)
    return client


@pytest.fixture
def fainted_in_the_evening(bob_client, bob):
    """Bob ticks "Fainted" in the check-in late on Wednesday evening, his time."""
    assert EVENING.astimezone(dt.UTC).date() == dt.date(2026, 11, 5)
    with time_machine.travel(EVENING, tick=False):
        response = bob_client.post(reverse("checkin"), {"cramps": "no", "fainting": "on"})
    assert response.status_code == 302
    return bob


@pytest.fixture
def later():
    with time_machine.travel(NOW, tick=False):
        yield


def weekly(api, week=WEEK):
    response = api.get("/api/v1/reports/weekly/", {"week": week})
    assert response.status_code == 200, response.content
    return response.json()


def assert_calm(text: str) -> None:
    lowered = text.lower()
    assert not [word for word in URGENT_WORDS if word in lowered], text


def test_the_weekly_json_carries_the_checkin_red_flag_on_the_users_diary_day(fainted_in_the_evening, bob_api, later):
    flags = weekly(bob_api)["red_flags"]
    assert flags == [
        {
            "day": "2026-11-04",
            "kind": "symptoms",
            "group": "dehydration",
            "symptoms": ["fainting"],
            "source": "checkin",
            "message": FAINTING,
        }
    ]
    assert_calm(flags[0]["message"])


def test_the_weekly_page_shows_it_in_the_see_a_doctor_box(fainted_in_the_evening, bob_client, later):
    body = bob_client.get(reverse("reports-weekly"), {"week": WEEK}).content.decode()
    box = body.split('class="red-flags"')[1].split("</section>")[0]
    assert "Please see a doctor" in box
    assert f"<strong>Wed 4 Nov</strong>: {FAINTING}" in box
    assert_calm(box.split("</h2>")[1])


def test_the_print_view_lists_it_under_red_flags(fainted_in_the_evening, bob_client, later):
    body = bob_client.get(
        reverse("reports-print"), {"start": WEEK_START.isoformat(), "end": WEEK_END.isoformat()}
    ).content.decode()
    block = body.split('class="flags-block"')[1].split("</section>")[0]
    assert f"<strong>Wed 4 Nov</strong>: {FAINTING}" in block
    assert "None logged" not in block
    assert_calm(block.split("</h2>")[1])


def test_the_weekly_email_text_and_html_carry_it_with_its_local_date(fainted_in_the_evening, bob, later):
    bob.email_verified_at = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    bob.save()
    snapshot = services.weekly_snapshot_get(user=bob, week_start=WEEK_START)
    message = services.weekly_report_email(user=bob, snapshot=snapshot)
    # Wednesday, his diary day: not Thursday, the UTC date of the tap.
    (line,) = [line for line in message.body.splitlines() if line.startswith("!! ")]
    assert line == f"!! Wed 4 Nov: {FAINTING}"
    assert_calm(line)
    html = message.alternatives[0].content
    assert f"Wed 4 Nov: {FAINTING}" in html


def test_a_pregnancy_red_flag_says_see_a_doctor_or_maternity_care(bob, bob_api, later):
    bob.pregnancy_due_date = dt.date(2027, 3, 1)
    bob.save()
    CheckInFactory(user=bob, day=dt.date(2026, 11, 5), high_blood_pressure_in_pregnancy=True)
    (flag,) = weekly(bob_api)["red_flags"]
    assert flag["group"] == "pregnancy" and flag["source"] == "checkin"
    assert flag["message"] == (
        "You logged high blood pressure in pregnancy on 5 Nov 2026: that needs a doctor. "
        "In pregnancy, high blood pressure or swelling needs checking promptly — see a doctor or your maternity care."
    )
    assert "eclampsia" not in flag["message"].lower()
    assert_calm(flag["message"])


def test_seizure_signs_on_a_day_are_one_calm_entry(bob, bob_api, later):
    CheckInFactory(user=bob, day=dt.date(2026, 11, 6), loss_of_consciousness=True, whole_body_convulsions=True)
    (flag,) = weekly(bob_api)["red_flags"]
    assert flag["message"] == (
        "You logged loss of consciousness and whole-body convulsions on 6 Nov 2026: that needs a doctor. "
        "Loss of consciousness or whole-body convulsions can be a seizure, not a cramp — see a doctor."
    )
    assert_calm(flag["message"])


def test_flags_from_cramps_and_checkins_read_in_day_order(bob, bob_api, later):
    EpisodeFactory(user=bob, started_at=local(bob, 2026, 11, 6, 20, 0), symptoms=["confusion"])
    CheckInFactory(user=bob, day=dt.date(2026, 11, 3), sunken_eyes=True)
    CheckInFactory(user=bob, day=dt.date(2026, 11, 6), fainting=True)
    flags = weekly(bob_api)["red_flags"]
    assert [(f["day"], f["source"], f["symptoms"]) for f in flags] == [
        ("2026-11-03", "checkin", ["sunken_eyes"]),
        ("2026-11-06", "episode", ["confusion"]),
        ("2026-11-06", "checkin", ["fainting"]),
    ]


def test_a_checkin_outside_the_week_or_without_flags_adds_nothing(bob, bob_api, later):
    CheckInFactory(user=bob, day=WEEK_START - dt.timedelta(days=1), fainting=True)
    CheckInFactory(user=bob, day=WEEK_START, fatigue=5)
    assert weekly(bob_api)["red_flags"] == []


def test_alices_flags_never_reach_bobs_report(alice, bob_api, later):
    CheckInFactory(user=alice, day=dt.date(2026, 11, 4), fainting=True)
    assert weekly(bob_api)["red_flags"] == []


def test_the_build_reads_checkin_flags_in_the_same_queries_whatever_their_number(bob, later):
    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            services.weekly_report_build(user=bob, week_start=WEEK_START)
        return len(ctx.captured_queries)

    CheckInFactory(user=bob, day=WEEK_START, fainting=True)
    one = queries()
    for k in range(1, 7):
        CheckInFactory(user=bob, day=WEEK_START + dt.timedelta(days=k), confusion=True, sunken_eyes=True)
    report = services.weekly_report_build(user=bob, week_start=WEEK_START)
    assert len(report["red_flags"]) == 7
    assert queries() == one
