"""Weekly report figures: exact for non-UTC users, DST weeks, the day start and a
Sunday week start; snapshots go stale on writes; red flags head the report."""

import datetime as dt

import pytest
import time_machine

from accounts.models import Medication
from tests.factories import CheckInFactory, EpisodeFactory, IntakeFactory
from tests.reports.conftest import local
from tracker.logbook import advice, services
from tracker.reports.models import WeeklySnapshot

NOW = dt.datetime(2026, 11, 10, 12, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def weekly(client, week):
    response = client.get("/api/v1/reports/weekly/", {"week": week})
    assert response.status_code == 200, response.content
    return response.json()


def test_bobs_dst_week_counts_each_entry_on_its_local_diary_day(bob, bob_api):
    # Week 2026-W44 is Mon 26 Oct – Sun 1 Nov; New York leaves DST at 02:00 on 1 Nov.
    EpisodeFactory(user=bob, started_at=local(bob, 2026, 10, 26, 3, 0), severity=9)  # diary day 25 Oct: not in week
    EpisodeFactory(user=bob, started_at=local(bob, 2026, 11, 1, 3, 30), severity=6, duration_seconds=90)  # 31 Oct
    EpisodeFactory(
        user=bob,
        started_at=local(bob, 2026, 11, 2, 2, 0),
        severity=4,
        context="asleep",
        sleep_disturbed=True,
        duration_seconds=30,
    )  # after midnight: diary day 1 Nov
    EpisodeFactory(user=bob, started_at=local(bob, 2026, 11, 2, 4, 0), severity=8)  # 2 Nov: next week
    IntakeFactory(user=bob, taken_at=local(bob, 2026, 11, 1, 23, 0), volume_ml=1000)
    IntakeFactory(user=bob, taken_at=local(bob, 2026, 11, 2, 3, 59), volume_ml=500, beverage="milk")  # 1 Nov
    IntakeFactory(user=bob, taken_at=local(bob, 2026, 10, 26, 4, 0), volume_ml=2000)  # 26 Oct

    report = weekly(bob_api, "2026-W44")

    assert (report["starts_on"], report["ends_on"], report["timezone"]) == (
        "2026-10-26",
        "2026-11-01",
        "America/New_York",
    )
    assert report["episodes"]["count"] == 2
    assert report["episodes"]["cramp_days"] == 2
    assert report["episodes"]["mean_severity"] == 5.0
    assert report["episodes"]["worst_severity"] == 6
    assert report["episodes"]["total_minutes"] == 2.0
    # 03:30 and 02:00 are both inside the default 23:00-07:00 sleep window: two night
    # cramps, of which one woke him (the night rule, tracker.logbook.night).
    assert report["episodes"]["night_count"] == 2
    assert report["episodes"]["sleep_disturbed_nights"] == 1
    assert report["episodes"]["by_muscle"] == {"calf": 2}
    days = {d["day"]: d for d in report["days"]}
    assert [d["day"] for d in report["days"]] == [f"2026-10-{n}" for n in range(26, 32)] + ["2026-11-01"]
    assert days["2026-10-31"]["episodes"] == 1 and days["2026-11-01"]["episodes"] == 1
    assert days["2026-11-01"]["fluid_ml"] == 1500 and days["2026-11-01"]["effective_ml"] == 1750
    assert days["2026-10-26"]["fluid_ml"] == 2000
    goal = report["hydration"]["goal_ml"]
    assert days["2026-11-01"]["goal_pct"] == round(100 * 1750 / goal)
    assert report["hydration"]["total_ml"] == 3500
    assert report["hydration"]["effective_ml"] == 3750
    assert report["hydration"]["daily_mean_ml"] == 500
    assert days["2026-10-27"]["goal_pct"] is None  # nothing logged is not "drank nothing"


def test_a_sunday_week_start_begins_the_sunday_before_the_iso_monday(alice, alice_api):
    alice.week_starts_on = "sunday"
    alice.save()
    EpisodeFactory(user=alice, started_at=local(alice, 2026, 10, 25, 2, 30))  # Berlin DST night: diary day 24 Oct
    EpisodeFactory(user=alice, started_at=local(alice, 2026, 10, 25, 22, 0))  # 25 Oct, Sunday: in week
    EpisodeFactory(user=alice, started_at=local(alice, 2026, 10, 31, 23, 0))  # Saturday: in week
    EpisodeFactory(user=alice, started_at=local(alice, 2026, 11, 1, 10, 0))  # Sunday 1 Nov: next week

    report = weekly(alice_api, "2026-W44")

    assert (report["week"], report["starts_on"], report["ends_on"]) == ("2026-W44", "2026-10-25", "2026-10-31")
    assert report["episodes"]["count"] == 2
    assert report["days"][0]["day"] == "2026-10-25"


def test_alices_berlin_dst_week_applies_the_day_start_on_the_local_clock(alice, alice_api):
    # 25 Oct 2026: Berlin goes from 03:00 CEST back to 02:00 CET. 03:30 local is before 04:00.
    EpisodeFactory(user=alice, started_at=local(alice, 2026, 10, 25, 3, 30))
    EpisodeFactory(user=alice, started_at=local(alice, 2026, 10, 25, 4, 0))
    w43 = weekly(alice_api, "2026-W43")  # 19–25 Oct
    days = {d["day"]: d["episodes"] for d in w43["days"]}
    assert days["2026-10-24"] == 1 and days["2026-10-25"] == 1


def test_no_week_means_the_current_week_from_the_users_diary_day(bob, bob_api):
    # 10 Nov 12:00 UTC is 07:00 in New York: Tuesday of week 46.
    response = bob_api.get("/api/v1/reports/weekly/")
    assert response.status_code == 200
    assert response.json()["week"] == "2026-W46"
    assert response.json()["complete"] is False


def test_a_write_in_the_week_marks_its_snapshot_stale_and_the_next_read_rebuilds(alice, alice_api):
    IntakeFactory(user=alice, taken_at=local(alice, 2026, 11, 3, 9, 0), volume_ml=300)
    assert weekly(alice_api, "2026-W45")["hydration"]["total_ml"] == 300
    snapshot = WeeklySnapshot.objects.get(user=alice)
    assert not snapshot.stale

    IntakeFactory(user=alice, taken_at=local(alice, 2026, 11, 4, 9, 0), volume_ml=200)
    snapshot.refresh_from_db()
    assert snapshot.stale

    report = weekly(alice_api, "2026-W45")
    assert report["hydration"]["total_ml"] == 500
    assert report["stale"] is False


def test_a_new_goal_marks_the_snapshots_stale_and_the_next_read_uses_it(alice, alice_api):
    IntakeFactory(user=alice, taken_at=local(alice, 2026, 11, 3, 9, 0), volume_ml=300)
    assert weekly(alice_api, "2026-W45")["hydration"]["goal_ml"] == alice.goal_ml

    alice_api.patch("/api/v1/me/", {"daily_goal_ml": 3100}, format="json")
    assert WeeklySnapshot.objects.get(user=alice).stale
    assert weekly(alice_api, "2026-W45")["hydration"]["goal_ml"] == 3100


def test_a_write_in_another_users_week_leaves_the_snapshot_fresh(alice, bob, alice_api):
    weekly(alice_api, "2026-W45")
    IntakeFactory(user=bob, taken_at=local(bob, 2026, 11, 3, 9, 0))
    assert not WeeklySnapshot.objects.get(user=alice).stale


def test_a_write_long_after_the_week_leaves_the_snapshot_fresh(alice, alice_api):
    weekly(alice_api, "2026-W30")
    IntakeFactory(user=alice, taken_at=local(alice, 2026, 11, 3, 9, 0))
    assert not WeeklySnapshot.objects.get(user=alice).stale


def test_a_build_that_raced_a_write_stays_stale(alice):
    from tracker.reports import services as report_services

    start = dt.date(2026, 11, 2)
    original = report_services.weekly_report_build

    def build_with_a_write_in_between(**kwargs):
        data = original(**kwargs)
        IntakeFactory(user=alice, taken_at=local(alice, 2026, 11, 3, 9, 0))
        return data

    report_services.weekly_report_build = build_with_a_write_in_between
    try:
        snapshot = report_services.weekly_snapshot_get(user=alice, week_start=start)
    finally:
        report_services.weekly_report_build = original
    assert snapshot.stale
    assert report_services.weekly_snapshot_get(user=alice, week_start=start).data["hydration"]["total_ml"] == 250


def test_red_flags_head_the_report_with_the_see_a_doctor_message(alice, alice_api):
    EpisodeFactory(user=alice, started_at=local(alice, 2026, 11, 3, 23, 0), symptoms=["fainting"])
    report = weekly(alice_api, "2026-W45")
    assert report["red_flags"] == [
        {
            "day": "2026-11-03",
            "kind": "symptoms",
            "symptoms": ["fainting"],
            "message": advice.SEVERE_DEHYDRATION_MESSAGE,
        }
    ]


def test_cramps_on_five_nights_head_the_report_with_the_frequent_cramps_message(alice, alice_api):
    for day in range(3, 8):  # 02:00 belongs to the diary day before: 2–6 Nov
        EpisodeFactory(user=alice, started_at=local(alice, 2026, 11, day, 2, 0), context="asleep")
    report = weekly(alice_api, "2026-W45")
    assert report["red_flags"][0]["message"] == advice.FREQUENT_CRAMPS_MESSAGE.format(nights=5)
    assert "see a doctor" in report["red_flags"][0]["message"]


def test_four_nights_do_not_raise_the_frequent_cramps_message(alice, alice_api):
    for day in range(3, 7):
        EpisodeFactory(user=alice, started_at=local(alice, 2026, 11, day, 2, 0), context="asleep")
    assert weekly(alice_api, "2026-W45")["red_flags"] == []


def test_a_cramp_overrides_a_checkins_no_cramps(alice, alice_api):
    CheckInFactory(user=alice, day=dt.date(2026, 11, 3), no_cramps=True)
    EpisodeFactory(user=alice, started_at=local(alice, 2026, 11, 3, 20, 0))
    CheckInFactory(user=alice, day=dt.date(2026, 11, 4), no_cramps=True)
    days = {d["day"]: d for d in weekly(alice_api, "2026-W45")["days"]}
    assert days["2026-11-03"]["cramp_day"] is True and days["2026-11-03"]["observed"] is True
    assert days["2026-11-04"]["cramp_day"] is False and days["2026-11-04"]["observed"] is True
    assert days["2026-11-05"]["observed"] is False


def test_change_against_previous_week_and_baseline_marks_a_responder(alice, alice_api):
    # 8 baseline weeks (7 Sep – 1 Nov) with 4 cramps each; 2 cramps in week 45 (2–8 Nov).
    for week in range(8):
        monday = dt.date(2026, 9, 7) + dt.timedelta(days=7 * week)
        for k in range(4):
            day = monday + dt.timedelta(days=k)
            EpisodeFactory(user=alice, started_at=local(alice, day.year, day.month, day.day, 20, 0))
    for day in (3, 5):
        EpisodeFactory(user=alice, started_at=local(alice, 2026, 11, day, 20, 0))
    report = weekly(alice_api, "2026-W45")
    assert report["change"]["previous_week"] == {"count": 4, "cramp_days": 4, "change_pct": -50.0}
    assert report["change"]["baseline_8_weeks"]["per_week"] == 4.0
    assert report["change"]["baseline_8_weeks"]["weeks_logged"] == 8
    assert report["change"]["responder"] is True


def test_three_of_four_cramps_is_exactly_a_25_percent_responder(alice, alice_api):
    for k in range(4):
        EpisodeFactory(user=alice, started_at=local(alice, 2026, 10, 26 + k, 20, 0))
    for k in range(3):
        EpisodeFactory(user=alice, started_at=local(alice, 2026, 11, 2 + k, 20, 0))
    assert weekly(alice_api, "2026-W45")["change"]["responder"] is True


def test_medication_before_after_is_worded_honestly(alice, alice_api):
    Medication.objects.create(user=alice, name="Tablet", drug_class="statin", started_on=dt.date(2026, 10, 6))
    for day in (dt.date(2026, 9, 10), dt.date(2026, 9, 20), dt.date(2026, 10, 10), dt.date(2026, 10, 12)):
        EpisodeFactory(user=alice, started_at=local(alice, day.year, day.month, day.day, 20, 0))
    change = weekly(alice_api, "2026-W45")["medication_changes"][0]
    assert change["change"] == "started" and change["on"] == "2026-10-06"
    assert change["before_per_week"] == 0.5 and change["after_per_week"] == 0.5
    assert "talk to your doctor" in change["summary"]
    assert "does not show that the medicine caused" in change["summary"]
    assert "Do not stop or change a medicine on your own" in change["summary"]


def test_bob_never_sees_alices_entries(alice, bob_api):
    EpisodeFactory(user=alice, started_at=local(alice, 2026, 11, 3, 20, 0), symptoms=["fainting"])
    IntakeFactory(user=alice, taken_at=local(alice, 2026, 11, 3, 9, 0))
    report = weekly(bob_api, "2026-W45")
    assert report["episodes"]["count"] == 0 and report["hydration"]["total_ml"] == 0
    assert report["red_flags"] == []
    daily = bob_api.get("/api/v1/reports/daily/", {"from": "2026-11-01", "to": "2026-11-07"}).json()
    assert all(d["episodes"] == 0 and d["fluid_ml"] == 0 for d in daily["days"])


def test_weekly_csv_lists_the_days_and_factor_columns(alice, alice_api):
    CheckInFactory(user=alice, day=dt.date(2026, 11, 3), sitting_hours=9)
    EpisodeFactory(user=alice, started_at=local(alice, 2026, 11, 3, 20, 0), severity=7)
    response = alice_api.get("/api/v1/reports/weekly/csv/", {"week": "2026-W45"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    lines = response.content.decode().splitlines()
    header = lines[0].split(",")
    assert header[:3] == ["day", "observed", "episodes"] and "sitting_hours" in header
    row = dict(zip(header, lines[2].split(","), strict=True))
    assert row["day"] == "2026-11-03" and row["episodes"] == "1" and row["worst_severity"] == "7"
    assert row["sitting_hours"] == "9.0"
    assert len(lines) == 8


def test_logging_through_the_service_after_a_timezone_change_marks_stale(alice, alice_api):
    IntakeFactory(user=alice, taken_at=local(alice, 2026, 11, 3, 9, 0))
    weekly(alice_api, "2026-W45")
    alice.timezone = "Pacific/Honolulu"  # 08:00 UTC on 3 Nov is 22:00 on 2 Nov there
    alice.save()
    services.diary_days_recompute(user=alice)
    assert WeeklySnapshot.objects.get(user=alice).stale


def test_the_reminders_block_counts_reminders_sent_and_acted_on_in_the_week(alice, bob, alice_api):
    from reminders.models import ActionUse, Delivery

    slot = local(alice, 2026, 11, 3, 10, 0)
    for channel in ("email", "in_app"):  # one reminder on two channels counts once
        Delivery.objects.create(user=alice, slot=slot, channel=channel, status="sent", sent_at=slot)
    Delivery.objects.create(user=alice, slot=slot + dt.timedelta(hours=1), channel="email", status="failed")
    Delivery.objects.create(
        user=alice,
        slot=local(alice, 2026, 11, 2, 3, 0),
        channel="email",
        status="sent",
        sent_at=local(alice, 2026, 11, 2, 3, 0),
    )  # 03:00 on Monday belongs to Sunday's diary day: last week
    Delivery.objects.create(user=bob, slot=slot, channel="email", status="sent", sent_at=slot)
    ActionUse.objects.create(user=alice, slot=slot, action="drink", used_at=slot + dt.timedelta(minutes=5))
    assert weekly(alice_api, "2026-W45")["reminders"] == {"sent": 1, "acted_on": 1}
