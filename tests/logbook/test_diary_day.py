import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.diary import diary_day

NY = ZoneInfo("America/New_York")


def at(local: dt.datetime) -> dt.datetime:
    return local.replace(tzinfo=NY).astimezone(dt.UTC)


def test_a_cramp_before_the_day_start_belongs_to_the_evening_before():
    assert diary_day(at(dt.datetime(2026, 10, 20, 3, 59)), NY) == dt.date(2026, 10, 19)
    assert diary_day(at(dt.datetime(2026, 10, 20, 4, 0)), NY) == dt.date(2026, 10, 20)


def test_the_shift_is_made_on_the_local_clock_on_the_autumn_dst_change():
    # 03:30 EST on 1 Nov 2026 is 08:30 UTC; "UTC minus 4 h" would say 1 Nov.
    instant = dt.datetime(2026, 11, 1, 8, 30, tzinfo=dt.UTC)
    assert diary_day(instant, NY) == dt.date(2026, 10, 31)


BERLIN = ZoneInfo("Europe/Berlin")
UTC = dt.UTC


def utc(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


def test_midnight_belongs_to_the_day_before_with_the_default_04_00_start():
    assert diary_day(at(dt.datetime(2026, 10, 20, 0, 0)), NY) == dt.date(2026, 10, 19)
    assert diary_day(at(dt.datetime(2026, 10, 19, 23, 59)), NY) == dt.date(2026, 10, 19)


def test_with_a_midnight_day_start_the_diary_day_is_the_calendar_day():
    assert diary_day(at(dt.datetime(2026, 10, 20, 0, 0)), NY, dt.time(0, 0)) == dt.date(2026, 10, 20)
    assert diary_day(at(dt.datetime(2026, 10, 19, 23, 59)), NY, dt.time(0, 0)) == dt.date(2026, 10, 19)


def test_a_later_day_start_keeps_the_early_morning_with_the_evening_before():
    start = dt.time(5, 30)
    assert diary_day(at(dt.datetime(2026, 10, 20, 5, 29)), NY, start) == dt.date(2026, 10, 19)
    assert diary_day(at(dt.datetime(2026, 10, 20, 5, 30)), NY, start) == dt.date(2026, 10, 20)


def test_the_spring_dst_change_in_berlin():
    # 29 Mar 2026: 02:00 CET jumps to 03:00 CEST (UTC+2).
    assert diary_day(utc(2026, 3, 29, 0, 59), BERLIN) == dt.date(2026, 3, 28)  # 01:59 CET
    assert diary_day(utc(2026, 3, 29, 1, 30), BERLIN) == dt.date(2026, 3, 28)  # 03:30 CEST
    assert diary_day(utc(2026, 3, 29, 2, 0), BERLIN) == dt.date(2026, 3, 29)  # 04:00 CEST
    # "UTC plus 1 h minus 4 h" would have put 03:00 UTC (05:00 CEST) right but 02:30 UTC
    # (04:30 CEST) on 28 Mar.
    assert diary_day(utc(2026, 3, 29, 2, 30), BERLIN) == dt.date(2026, 3, 29)


def test_the_spring_dst_change_in_new_york():
    # 8 Mar 2026: 02:00 EST jumps to 03:00 EDT (UTC-4).
    assert diary_day(utc(2026, 3, 8, 7, 59), NY) == dt.date(2026, 3, 7)  # 03:59 EDT
    assert diary_day(utc(2026, 3, 8, 8, 0), NY) == dt.date(2026, 3, 8)  # 04:00 EDT


def test_the_autumn_dst_change_in_berlin_including_the_repeated_hour():
    # 25 Oct 2026: 03:00 CEST falls back to 02:00 CET; 02:00-03:00 happens twice.
    assert diary_day(utc(2026, 10, 25, 0, 30), BERLIN) == dt.date(2026, 10, 24)  # 02:30 CEST
    assert diary_day(utc(2026, 10, 25, 1, 30), BERLIN) == dt.date(2026, 10, 24)  # 02:30 CET
    assert diary_day(utc(2026, 10, 25, 2, 59), BERLIN) == dt.date(2026, 10, 24)  # 03:59 CET
    assert diary_day(utc(2026, 10, 25, 3, 0), BERLIN) == dt.date(2026, 10, 25)  # 04:00 CET


def test_a_day_start_inside_the_spring_gap_starts_the_day_at_the_first_valid_time():
    # Day start 02:30 does not exist on 29 Mar in Berlin; 03:00 CEST is already the new day.
    assert diary_day(utc(2026, 3, 29, 0, 59), BERLIN, dt.time(2, 30)) == dt.date(2026, 3, 28)
    assert diary_day(utc(2026, 3, 29, 1, 0), BERLIN, dt.time(2, 30)) == dt.date(2026, 3, 29)


def test_a_naive_instant_is_refused():
    with pytest.raises(ValueError, match="aware"):
        diary_day(dt.datetime(2026, 10, 20, 3, 0), NY)


# Property: for any zone, instant and day start, the diary day equals an independent
# computation on the local wall clock: shift the naive local time back by the day
# start and take the date.

ZONES = [
    "UTC",
    "Europe/London",
    "Europe/Berlin",
    "America/New_York",
    "America/St_Johns",  # UTC-3:30 with DST
    "Asia/Kolkata",  # UTC+5:30, no DST
    "Asia/Kathmandu",  # UTC+5:45
    "Australia/Lord_Howe",  # a 30-minute DST shift
    "Australia/Sydney",  # southern-hemisphere DST
    "Pacific/Chatham",  # UTC+12:45/+13:45
    "Pacific/Apia",  # skipped 30 Dec 2011 entirely
    "Pacific/Kiritimati",  # UTC+14
    "Pacific/Pago_Pago",  # UTC-11
]


def _independent_diary_day(instant: dt.datetime, zone_name: str, day_start: dt.time) -> dt.date:
    zone = ZoneInfo(zone_name)
    local_naive = zone.fromutc(instant.replace(tzinfo=zone)).replace(tzinfo=None)
    shifted = local_naive - dt.timedelta(hours=day_start.hour, minutes=day_start.minute)
    return shifted.date()


@settings(max_examples=600, deadline=None)
@given(
    zone_name=st.sampled_from(ZONES),
    instant=st.datetimes(
        min_value=dt.datetime(1990, 1, 1), max_value=dt.datetime(2040, 12, 31), timezones=st.just(UTC)
    ),
    day_start=st.times(max_value=dt.time(12, 0)).map(lambda t: t.replace(second=0, microsecond=0)),
)
def test_diary_day_matches_an_independent_wall_clock_computation(zone_name, instant, day_start):
    assert diary_day(instant, zone_name, day_start) == _independent_diary_day(instant, zone_name, day_start)
