"""Weekly report figures: exact for non-UTC users, DST weeks, the day start and a
Sunday week start; snapshots go stale on writes; red flags head the report."""

import datetime as dt

import pytest
import time_machine
from scipy import stats as sps

from accounts.models import Medication
from tests.factories import CheckInFactory, EpisodeFactory, IntakeFactory
from tests.reports.conftest import local
from tests.reports.test_api_pages import web_client
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
    # Per day with a drink logged (26 Oct and 1 Nov), not per calendar day.
    assert report["hydration"]["days_counted"] == 2
    assert report["hydration"]["daily_mean_ml"] == 1750
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


def test_no_week_means_the_last_complete_week_from_the_users_diary_day(bob, bob_api):
    # 10 Nov 12:00 UTC is 07:00 in New York: Tuesday of week 46, so week 45 is the last complete one.
    response = bob_api.get("/api/v1/reports/weekly/")
    assert response.status_code == 200
    assert response.json()["week"] == "2026-W45"
    assert response.json()["complete"] is True and response.json()["in_progress"] is False


def test_the_week_in_progress_is_marked_and_shows_no_change_or_responder(alice, alice_api):
    # Monday with nothing logged, after weeks with cramps: no "-100 %" and no responder.
    for k in range(14):
        day = dt.date(2026, 10, 26) + dt.timedelta(days=k)
        EpisodeFactory(user=alice, started_at=local(alice, day.year, day.month, day.day, 20, 0))
    report = weekly(alice_api, "2026-W46")
    assert report["complete"] is False and report["in_progress"] is True
    change = report["change"]
    assert change["responder"] is None and change["responder_50"] is None
    assert change["baseline_8_weeks"]["change_pct"] is None and change["previous_week"]["change_pct"] is None
    assert change["reason"] == "This week is still in progress, so it is not compared yet."
    assert report["episodes"]["per_7_logged_days"] is None


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
            "group": "dehydration",
            "symptoms": ["fainting"],
            "source": "episode",
            "message": "You logged fainting on 3 Nov 2026: that needs a doctor. "
            "Fainting, confusion or sunken eyes can mean severe dehydration — see a doctor.",
        }
    ]
    # The urgent wording belongs to the moment of logging, not to a report days later.
    assert "immediately" not in str(report["red_flags"]) and "now" not in report["red_flags"][0]["message"]


def test_every_flag_an_episode_earned_is_kept(alice, alice_api):
    EpisodeFactory(
        user=alice,
        started_at=local(alice, 2026, 11, 4, 23, 0),
        symptoms=["loss_of_consciousness", "sunken_eyes", "numbness", "confusion"],
    )
    flags = weekly(alice_api, "2026-W45")["red_flags"]
    assert [(f["group"], f["symptoms"]) for f in flags] == [
        ("seizure", ["loss_of_consciousness"]),
        ("dehydration", ["sunken_eyes", "confusion"]),
        ("circulation", ["numbness"]),
    ]
    assert flags[1]["message"].startswith("You logged sunken eyes and confusion on 4 Nov 2026: that needs a doctor.")
    assert all("emergency" not in f["message"] for f in flags)
    assert advice.SEIZURE_MESSAGE.endswith("This app is not for seizures.")  # the moment-of-logging wording stays


def test_cramps_on_five_nights_head_the_report_with_the_frequent_cramps_message(alice, alice_api):
    for day in range(3, 8):  # 02:00 belongs to the diary day before: 2–6 Nov
        EpisodeFactory(user=alice, started_at=local(alice, 2026, 11, day, 2, 0), context="asleep")
    report = weekly(alice_api, "2026-W45")
    flag = report["red_flags"][0]
    assert flag["kind"] == "frequent_cramps" and flag["nights"] == 5
    assert flag["message"].startswith("You had night cramps on 5 of the last 7 nights: that needs a doctor.")
    assert "see a doctor" in flag["message"]


def test_four_nights_do_not_raise_the_frequent_cramps_message(alice, alice_api):
    for day in range(3, 7):
        EpisodeFactory(user=alice, started_at=local(alice, 2026, 11, day, 2, 0), context="asleep")
    assert weekly(alice_api, "2026-W45")["red_flags"] == []


def _checkins(user, first: dt.date, days: int, *, cramp_days=(), skip=()):
    for k in range(days):
        day = first + dt.timedelta(days=k)
        if day in skip:
            continue
        CheckInFactory(user=user, day=day, no_cramps=day not in cramp_days)


def test_daytime_cramps_on_ten_of_fourteen_days_raise_the_flag_across_the_week_boundary(alice, alice_api):
    # 26 Oct – 8 Nov observed by check-ins; daytime cramps on 10 of the 14 days, at most
    # 5 in either week and none at night: the old rule (5 nights in one week) missed it.
    cramp_days = [dt.date(2026, 10, 26) + dt.timedelta(days=k) for k in (0, 2, 4, 5, 6, 7, 9, 11, 12, 13)]
    _checkins(alice, dt.date(2026, 10, 26), 14, cramp_days=cramp_days)
    for day in cramp_days:
        EpisodeFactory(user=alice, started_at=local(alice, day.year, day.month, day.day, 15, 0), context="walking")
    report = weekly(alice_api, "2026-W45")
    message = report["red_flags"][0]["message"]
    assert message.startswith("You had cramps on 10 of the last 14 days: that needs a doctor.")


def test_nine_of_fourteen_or_too_few_observed_days_do_not_raise_it(alice, alice_api):
    cramp_days = [dt.date(2026, 10, 26) + dt.timedelta(days=k) for k in (0, 2, 4, 5, 6, 7, 9, 11, 13)]
    _checkins(alice, dt.date(2026, 10, 26), 14, cramp_days=cramp_days)
    for day in cramp_days:
        EpisodeFactory(user=alice, started_at=local(alice, day.year, day.month, day.day, 15, 0))
    assert weekly(alice_api, "2026-W45")["red_flags"] == []


def test_a_cramp_overrides_a_checkins_no_cramps(alice, alice_api):
    CheckInFactory(user=alice, day=dt.date(2026, 11, 3), no_cramps=True)
    EpisodeFactory(user=alice, started_at=local(alice, 2026, 11, 3, 20, 0))
    CheckInFactory(user=alice, day=dt.date(2026, 11, 4), no_cramps=True)
    days = {d["day"]: d for d in weekly(alice_api, "2026-W45")["days"]}
    assert days["2026-11-03"]["cramp_day"] is True and days["2026-11-03"]["observed"] is True
    assert days["2026-11-04"]["cramp_day"] is False and days["2026-11-04"]["observed"] is True
    assert days["2026-11-05"]["observed"] is False


def _baseline_then_a_better_week(alice):
    # 8 baseline weeks (7 Sep – 1 Nov) with cramps on Mon–Thu only (4 logged days each):
    # 7 cramps per 7 logged days. Week 45: 2 cramps over 7 logged days.
    for week in range(8):
        monday = dt.date(2026, 9, 7) + dt.timedelta(days=7 * week)
        for k in range(4):
            day = monday + dt.timedelta(days=k)
            EpisodeFactory(user=alice, started_at=local(alice, day.year, day.month, day.day, 20, 0))
    for day in (3, 5):
        EpisodeFactory(user=alice, started_at=local(alice, 2026, 11, day, 20, 0))
    _checkins(alice, dt.date(2026, 11, 2), 7, cramp_days={dt.date(2026, 11, 3), dt.date(2026, 11, 5)})


def test_change_against_previous_week_and_baseline_is_per_logged_day_with_an_exact_interval(alice, alice_api):
    _baseline_then_a_better_week(alice)
    change = weekly(alice_api, "2026-W45")["change"]
    # Exact Poisson ratio by the conditional binomial: 2 of 2 + 32 events, times 32/7.
    ci = sps.binomtest(2, 34).proportion_ci(0.95, method="exact")
    low, high = (p / (1 - p) * 32 / 7 for p in (ci.low, ci.high))
    assert change["previous_week"]["logged_days"] == 4 and change["previous_week"]["count"] == 4
    assert change["previous_week"]["change_pct"] == round(100 * ((2 / 7) / (4 / 4) - 1), 1) == -71.4
    eight = change["baseline_8_weeks"]
    assert (eight["per_week"], eight["weeks_logged"], eight["logged_days"]) == (7.0, 8, 32)
    assert eight["change_low_pct"] == round(100 * (low - 1), 1)
    assert eight["change_high_pct"] == round(100 * (high - 1), 1)
    assert change["responder"] is True and change["responder_50"] is True


def test_the_page_says_the_change_as_fewer_or_more_cramps_rounded_for_reading(alice):
    _baseline_then_a_better_week(alice)
    html = web_client(alice).get("/reports/weekly/", {"week": "2026-W45"}).content.decode()
    text = " ".join(html.split())
    # By hand: 2/7 against 4/4 a day is 71.4% fewer; against 32 events over 32 days the
    # exact interval comes from the binomial 2 of 34 (scipy), shown as whole percents.
    ci = sps.binomtest(2, 34).proportion_ci(0.95, method="exact")
    low, high = (100 * (p / (1 - p) * 32 / 7 - 1) for p in (ci.low, ci.high))
    assert low < 0 < high  # the interval reaches from fewer to more
    assert "Previous week: 4 cramps on 4 logged days; per logged day, this week had 71% fewer." in text
    assert f"this week had 71% fewer (95% interval: {int(-low + 0.5)}% fewer to {int(high + 0.5)}% more)" in text


def test_a_previous_week_away_is_not_called_a_week_without_cramps(alice):
    # Week 44 has one check-in ("no cramps") and nothing else; week 45 is fully logged.
    _checkins(alice, dt.date(2026, 11, 1), 1)
    _checkins(alice, dt.date(2026, 11, 2), 7, cramp_days={dt.date(2026, 11, 3)})
    EpisodeFactory(user=alice, started_at=local(alice, 2026, 11, 3, 20, 0))
    client = web_client(alice)
    text = " ".join(client.get("/reports/weekly/", {"week": "2026-W45"}).content.decode().split())
    assert "Previous week: no cramps on 1 logged day, too few to compare." in text
    assert "Previous week: no cramps." not in text
    # Week 44's own previous week (43) has nothing at all.
    text = " ".join(client.get("/reports/weekly/", {"week": "2026-W44"}).content.decode().split())
    assert "Previous week: nothing logged." in text


def test_three_of_four_cramps_per_logged_day_is_exactly_a_25_percent_responder(alice, alice_api):
    # Baseline week: 4 cramps over 7 logged days; week 45: 3 over 7 — exactly 25% fewer.
    for k in range(4):
        EpisodeFactory(user=alice, started_at=local(alice, 2026, 10, 26 + k, 20, 0))
    _checkins(alice, dt.date(2026, 10, 30), 3)
    for k in range(3):
        EpisodeFactory(user=alice, started_at=local(alice, 2026, 11, 2 + k, 20, 0))
    _checkins(alice, dt.date(2026, 11, 5), 4)
    change = weekly(alice_api, "2026-W45")["change"]
    assert change["responder"] is True and change["responder_50"] is False
    assert change["baseline_8_weeks"]["change_pct"] == -25.0


def test_a_week_with_three_logged_days_is_neither_compared_nor_a_baseline(alice, alice_api):
    # The week before has 3 logged days: not a baseline week; week 45 itself has 3 too.
    for k in range(3):
        EpisodeFactory(user=alice, started_at=local(alice, 2026, 10, 26 + k, 20, 0))
        EpisodeFactory(user=alice, started_at=local(alice, 2026, 11, 2 + k, 20, 0))
    change = weekly(alice_api, "2026-W45")["change"]
    assert change["baseline_8_weeks"]["weeks_logged"] == 0
    assert change["responder"] is None
    assert change["reason"] == "Only 3 of 7 days were logged this week; a comparison needs at least 4."


def test_a_medicine_start_fixes_the_baseline_to_the_weeks_before_it(alice, alice_api):
    Medication.objects.create(user=alice, name="Magnesium", drug_class="statin", started_on=dt.date(2026, 10, 12))
    # 4 weeks before the start (14 Sep – 11 Oct): 2 cramps a week over 7 logged days each.
    _checkins(alice, dt.date(2026, 9, 14), 56)
    for week in range(4):
        for k in (1, 4):
            day = dt.date(2026, 9, 14) + dt.timedelta(days=7 * week + k)
            EpisodeFactory(user=alice, started_at=local(alice, day.year, day.month, day.day, 20, 0))
    EpisodeFactory(user=alice, started_at=local(alice, 2026, 11, 4, 20, 0))
    change = weekly(alice_api, "2026-W45")["change"]
    fixed = change["fixed_baseline"]
    assert fixed["start"] == "2026-10-12" and "Magnesium" in fixed["label"]
    assert (fixed["per_week"], fixed["logged_days"]) == (2.0, 28)
    assert fixed["change_pct"] == -50.0
    assert change["responder"] is True and change["responder_50"] is True


def test_medication_before_after_is_per_logged_day_after_a_settle_in_with_an_exact_interval(alice, alice_api):
    on = dt.date(2026, 10, 6)
    Medication.objects.create(user=alice, name="Tablet", drug_class="statin", started_on=on)
    # Before: every other day logged for 56 days (28 logged days), 8 of them cramp days.
    before = [on - dt.timedelta(days=2 * k + 1) for k in range(28)]
    cramps_before = set(before[::3][:8])
    for day in before:
        CheckInFactory(user=alice, day=day, no_cramps=day not in cramps_before)
    # Settle-in (6–12 Oct): 3 cramps that must not count. After: 13 Oct – 9 Nov, 2 cramps.
    settle = [on + dt.timedelta(days=k) for k in (0, 2, 5)]
    after = [on + dt.timedelta(days=7 + k) for k in range(28)]
    cramps_after = {after[3], after[20]}
    for day in after:
        CheckInFactory(user=alice, day=day, no_cramps=day not in cramps_after)
    for day in [*cramps_before, *settle, *cramps_after]:
        EpisodeFactory(user=alice, started_at=local(alice, day.year, day.month, day.day, 20, 0))

    # The week under way (9–15 Nov) covers the last day after, 9 Nov; the report of the
    # week before ends on 8 Nov and so stops a day short of it.
    change = weekly(alice_api, "2026-W46")["medication_changes"][0]
    assert (change["before_cramps"], change["before_logged_days"]) == (8, 28)
    assert (change["after_cramps"], change["after_logged_days"]) == (2, 28)
    assert change["before_per_week"] == 2.0 and change["after_per_week"] == 0.5
    ci = sps.binomtest(2, 10).proportion_ci(0.95, method="exact")
    assert change["risk_ratio"] == 0.25
    assert change["ci_low"] == round(ci.low / (1 - ci.low), 2)
    assert change["ci_high"] == round(ci.high / (1 - ci.high), 2)
    summary = change["summary"]
    assert "leaving out the first 7 days" in summary
    assert "does not show that the medicine caused" in summary
    assert "cramps often ease on their own" in summary and "other things may have changed" in summary
    assert summary.endswith("Do not stop or change a medicine without your doctor.")


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


def test_outcomes_around_a_chosen_start_use_the_four_weeks_before_it(alice, alice_api):
    start = dt.date(2026, 10, 12)
    # Baseline 14 Sep – 11 Oct: logged every day, 3 cramps a week. After: 1 a week, logged every day.
    _checkins(alice, dt.date(2026, 9, 14), 57)
    for week in range(4):
        for k in (0, 2, 4):
            day = dt.date(2026, 9, 14) + dt.timedelta(days=7 * week + k)
            EpisodeFactory(user=alice, started_at=local(alice, day.year, day.month, day.day, 20, 0))
    for week in range(4):
        day = start + dt.timedelta(days=7 * week + 1)
        EpisodeFactory(user=alice, started_at=local(alice, day.year, day.month, day.day, 20, 0))
    response = alice_api.get("/api/v1/reports/outcomes/", {"start": "2026-10-12"})
    assert response.status_code == 200
    body = response.json()
    assert body["baseline"]["per_7_logged_days"] == 3.0 and body["baseline"]["logged_days"] == 28
    weeks = body["weeks"]
    assert [w["starts_on"] for w in weeks] == ["2026-10-12", "2026-10-19", "2026-10-26", "2026-11-02", "2026-11-09"]
    first = weeks[0]["change"]
    ci = sps.binomtest(1, 13).proportion_ci(0.95, method="exact")
    assert first["change_pct"] == round(100 * ((1 / 7) / (12 / 28) - 1), 1)
    assert first["change_low_pct"] == round(100 * (ci.low / (1 - ci.low) * 28 / 7 - 1), 1)
    assert first["responder_25"] is True and first["responder_50"] is True
    assert weeks[-1]["complete"] is False and weeks[-1]["change"]["change_pct"] is None
    assert alice_api.get("/api/v1/reports/outcomes/", {"start": "2027-01-01"}).status_code == 400
    assert alice_api.get("/api/v1/reports/outcomes/", {"start": "nope"}).status_code == 400


def test_a_fixed_baseline_needs_two_logged_weeks(alice, alice_api):
    _checkins(alice, dt.date(2026, 10, 5), 7)  # only 1 of the 4 weeks before 12 Oct logged
    _checkins(alice, dt.date(2026, 10, 12), 7)
    change = alice_api.get("/api/v1/reports/outcomes/", {"start": "2026-10-12"}).json()["weeks"][0]["change"]
    assert change["change_pct"] is None
    assert change["reason"] == "No baseline yet: it needs 2 weeks with at least 4 logged days."


def test_change_is_computed_from_unrounded_rates(alice, alice_api):
    # Baseline: 3 weeks logged every day (12 Oct – 1 Nov) with 1 cramp: 1/3 per 7 logged
    # days, shown as 0.3. Week 45: 2 cramps over 7 logged days. By hand: 2 / (1/3) − 1 = +500 %
    # (the rounded 0.3 would give +566.7 %).
    _checkins(
        alice, dt.date(2026, 10, 12), 28, cramp_days={dt.date(2026, 10, 14), *(dt.date(2026, 11, d) for d in (3, 5))}
    )
    for day in (dt.date(2026, 10, 14), dt.date(2026, 11, 3), dt.date(2026, 11, 5)):
        EpisodeFactory(user=alice, started_at=local(alice, day.year, day.month, day.day, 20, 0))
    eight = weekly(alice_api, "2026-W45")["change"]["baseline_8_weeks"]
    assert eight["per_week"] == 0.3 and eight["weeks_logged"] == 3
    assert eight["change_pct"] == 500.0


def test_a_week_with_one_or_no_logged_day_says_so_in_plain_words(alice, alice_api):
    EpisodeFactory(user=alice, started_at=local(alice, 2026, 11, 3, 20, 0))
    assert weekly(alice_api, "2026-W45")["change"]["reason"] == (
        "Only 1 of 7 days was logged this week; a comparison needs at least 4."
    )
    assert weekly(alice_api, "2026-W44")["change"]["reason"] == (
        "Nothing was logged this week; a comparison needs at least 4 logged days."
    )
