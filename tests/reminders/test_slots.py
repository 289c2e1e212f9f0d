import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reminders.slots import CHECKIN, DRINK, Schedule, next_slot

BERLIN = ZoneInfo("Europe/Berlin")
NY = ZoneInfo("America/New_York")
ZONES = [ZoneInfo(z) for z in ("Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata", "UTC")]


def local(zone, *args):
    return dt.datetime(*args, tzinfo=zone)


def walk(start, schedule, n):
    out, t = [], start
    for _ in range(n):
        slot = next_slot(t, schedule)
        out.append(slot)
        t = slot.at
    return out


def test_slots_run_from_window_start_by_interval_then_the_checkin_at_window_end():
    s = Schedule(zone=BERLIN, window_start=dt.time(8), window_end=dt.time(21), interval_minutes=300)
    got = walk(local(BERLIN, 2026, 6, 1, 7, 0), s, 5)
    assert [(x.at.astimezone(BERLIN).strftime("%d %H:%M"), x.prompt) for x in got] == [
        ("01 08:00", DRINK),
        ("01 13:00", DRINK),
        ("01 18:00", DRINK),  # 23:00 would be past the window: the interval does not divide it
        ("01 21:00", CHECKIN),
        ("02 08:00", DRINK),
    ]


def test_a_window_crossing_midnight_belongs_to_the_evening_it_started():
    s = Schedule(zone=NY, window_start=dt.time(22), window_end=dt.time(2), interval_minutes=90)
    got = walk(local(NY, 2026, 6, 1, 21, 0), s, 5)
    assert [x.at.astimezone(NY).strftime("%d %H:%M") for x in got] == [
        "01 22:00",
        "01 23:30",
        "02 01:00",
        "02 02:00",
        "02 22:00",
    ]
    assert got[3].prompt == CHECKIN and got[3].window_day == dt.date(2026, 6, 1)


def test_a_slot_in_the_spring_gap_moves_to_the_first_valid_minute_and_fires_once():
    # Berlin skips 02:00-03:00 on 29 March 2026.
    s = Schedule(zone=BERLIN, window_start=dt.time(1), window_end=dt.time(4), interval_minutes=30, checkin=False)
    got = walk(local(BERLIN, 2026, 3, 28, 23, 0), s, 5)
    assert [x.at.astimezone(BERLIN).strftime("%H:%M%z") for x in got] == [
        "01:00+0100",
        "01:30+0100",
        "03:00+0200",  # 02:00, 02:30 and 03:00 collapse onto one instant
        "03:30+0200",
        "01:00+0200",
    ]


def test_a_repeated_local_time_in_autumn_fires_once():
    # Berlin repeats 02:00-03:00 on 25 October 2026.
    s = Schedule(zone=BERLIN, window_start=dt.time(1), window_end=dt.time(4), interval_minutes=30, checkin=False)
    got = walk(local(BERLIN, 2026, 10, 24, 23, 0), s, 6)
    walls = [x.at.astimezone(BERLIN).strftime("%H:%M") for x in got]
    assert walls == ["01:00", "01:30", "02:00", "02:30", "03:00", "03:30"]
    assert got[2].at.astimezone(BERLIN).utcoffset() == dt.timedelta(hours=2)  # first occurrence (fold=0)


def test_quiet_days_are_skipped_and_all_quiet_means_no_slot():
    s = Schedule(
        zone=BERLIN, window_start=dt.time(9), window_end=dt.time(10), interval_minutes=60, quiet_days=frozenset({5, 6})
    )
    friday_evening = local(BERLIN, 2026, 6, 5, 12, 0)
    assert next_slot(friday_evening, s).at.astimezone(BERLIN).date() == dt.date(2026, 6, 8)  # Monday
    every_day = Schedule(
        zone=BERLIN,
        window_start=dt.time(9),
        window_end=dt.time(10),
        interval_minutes=60,
        quiet_days=frozenset(range(7)),
    )
    assert next_slot(friday_evening, every_day) is None


# Hand-worked cases: (zone, window start, end, interval, quiet days, check-in, the
# instant after which to look (UTC), the slot expected as local wall time with its
# offset, its prompt, and the day its window started on). Each was worked out on paper
# from the rule in reminders/slots.py's docstring, not by running the code.
UTC = dt.UTC
BER, LH = "Europe/Berlin", "Australia/Lord_Howe"
CASES = [
    # 08:00-21:00 every 2 h: 08, 10, ..., 20 and the check-in at 21:00 (Berlin, +02 in June).
    (BER, "08:00", "21:00", 120, (), True, "2026-06-01 07:59", "2026-06-01 10:00+0200", DRINK, "06-01"),
    (BER, "08:00", "21:00", 120, (), True, "2026-06-01 18:00", "2026-06-01 21:00+0200", CHECKIN, "06-01"),
    (BER, "08:00", "21:00", 120, (), True, "2026-06-01 19:00", "2026-06-02 08:00+0200", DRINK, "06-02"),
    # Strictly after: at exactly 08:00 local (06:00 UTC) the next is 10:00.
    (BER, "08:00", "21:00", 120, (), True, "2026-06-02 06:00", "2026-06-02 10:00+0200", DRINK, "06-02"),
    # Across midnight in New York (-04): 22:00, 23:30, 01:00, check-in 02:00, all the 1st's.
    ("America/New_York", "22:00", "02:00", 90, (), True, "2026-06-02 04:30", "2026-06-02 01:00-0400", DRINK, "06-01"),
    ("America/New_York", "22:00", "02:00", 90, (), True, "2026-06-02 05:00", "2026-06-02 02:00-0400", CHECKIN, "06-01"),
    # Saturday 6 June is quiet: its 22:00 window is skipped, Friday's ended at 02:00 that
    # morning, so from Saturday 21:00 the next is Sunday 22:00.
    ("America/New_York", "22:00", "02:00", 90, (5,), True, "2026-06-07 01:00", "2026-06-07 22:00-0400", DRINK, "06-07"),
    # Weekends quiet: Friday 5 June 10:00 (check-in) is the last before Monday 09:00.
    (
        "Europe/Berlin",
        "09:00",
        "10:00",
        60,
        (5, 6),
        True,
        "2026-06-05 07:30",
        "2026-06-05 10:00+0200",
        CHECKIN,
        "06-05",
    ),
    (BER, "09:00", "10:00", 60, (5, 6), True, "2026-06-05 08:00", "2026-06-08 09:00+0200", DRINK, "06-08"),
    # Spring gap, Berlin 29 March 2026 (02:00 -> 03:00): 02:00 and 02:30 do not exist and
    # move to 03:00+02, which fires once; after it comes 03:30.
    (BER, "01:00", "04:00", 30, (), False, "2026-03-29 00:30", "2026-03-29 03:00+0200", DRINK, "03-29"),
    (BER, "01:00", "04:00", 30, (), False, "2026-03-29 01:00", "2026-03-29 03:30+0200", DRINK, "03-29"),
    # A check-in at 02:30 in the gap lands on 03:00+02 with the 02:00 drink: one slot, the check-in.
    (BER, "01:00", "02:30", 30, (), True, "2026-03-29 00:30", "2026-03-29 03:00+0200", CHECKIN, "03-29"),
    # Autumn fold, Berlin 25 October 2026 (03:00+02 -> 02:00+01): 02:00 and 02:30 are their
    # first occurrences (+02); the repeats at +01 are not slots, so after 02:30+02 (00:30
    # UTC) the next is 03:00+01 (02:00 UTC), not 02:00+01 (01:00 UTC).
    (BER, "01:00", "04:00", 30, (), False, "2026-10-24 23:30", "2026-10-25 02:00+0200", DRINK, "10-25"),
    (BER, "01:00", "04:00", 30, (), False, "2026-10-25 00:30", "2026-10-25 03:00+0100", DRINK, "10-25"),
    # Lord Howe's half-hour change, 4 October 2026 (02:00+1030 -> 02:30+11): 02:00 moves
    # onto 02:30+11, which is also the 02:30 slot; it fires once.
    (
        "Australia/Lord_Howe",
        "01:30",
        "03:00",
        30,
        (),
        False,
        "2026-10-03 15:00",
        "2026-10-04 02:30+1100",
        DRINK,
        "10-04",
    ),
    (
        "Australia/Lord_Howe",
        "01:30",
        "03:00",
        30,
        (),
        False,
        "2026-10-03 15:30",
        "2026-10-05 01:30+1100",
        DRINK,
        "10-05",
    ),
    # Kolkata (+0530), every 15 minutes: 06:10 local is 00:40 UTC; next 06:15.
    ("Asia/Kolkata", "06:00", "06:45", 15, (), True, "2026-01-10 00:40", "2026-01-10 06:15+0530", DRINK, "01-10"),
    ("Asia/Kolkata", "06:00", "06:45", 15, (), True, "2026-01-10 01:00", "2026-01-10 06:45+0530", CHECKIN, "01-10"),
    # A 24-hour window (start = end) every 10 h: 09:00, 19:00, 05:00, then its check-in at
    # 09:00 the next day, the same instant as the next window's first drink: the earlier
    # window's check-in comes first, and after it the next window's 19:00.
    ("UTC", "09:00", "09:00", 600, (), True, "2026-06-02 05:00", "2026-06-02 09:00+0000", CHECKIN, "06-01"),
    ("UTC", "09:00", "09:00", 600, (), True, "2026-06-02 09:00", "2026-06-02 19:00+0000", DRINK, "06-02"),
]


@pytest.mark.parametrize(
    ("zone", "start", "end", "interval", "quiet", "checkin", "after", "expected", "prompt", "window_day"), CASES
)
def test_next_slot_on_hand_worked_schedules(
    zone, start, end, interval, quiet, checkin, after, expected, prompt, window_day
):
    schedule = Schedule(
        zone=ZoneInfo(zone),
        window_start=dt.time.fromisoformat(start),
        window_end=dt.time.fromisoformat(end),
        interval_minutes=interval,
        quiet_days=frozenset(quiet),
        checkin=checkin,
    )
    slot = next_slot(dt.datetime.fromisoformat(after).replace(tzinfo=UTC), schedule)
    assert slot.at.astimezone(schedule.zone).strftime("%Y-%m-%d %H:%M%z") == expected
    assert slot.prompt == prompt
    assert slot.window_day.strftime("%m-%d") == window_day


schedules = st.builds(
    Schedule,
    zone=st.sampled_from(ZONES),
    window_start=st.times().map(lambda t: t.replace(second=0, microsecond=0)),
    window_end=st.times().map(lambda t: t.replace(second=0, microsecond=0)),
    interval_minutes=st.integers(min_value=15, max_value=24 * 60),
    quiet_days=st.frozensets(st.integers(min_value=0, max_value=6), max_size=6),
    checkin=st.booleans(),
)
instants = st.datetimes(min_value=dt.datetime(2020, 1, 1), max_value=dt.datetime(2035, 1, 1), timezones=st.just(dt.UTC))


@settings(max_examples=100, deadline=None)
@given(schedule=schedules, after=instants)
def test_walking_the_slots_never_repeats_an_instant_or_goes_back(schedule, after):
    seen, t = [], after
    for _ in range(30):
        slot = next_slot(t, schedule)
        if slot is None:
            break
        seen.append(slot.at)
        t = slot.at
    assert seen == sorted(set(seen))
