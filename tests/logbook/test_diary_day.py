import datetime as dt
from zoneinfo import ZoneInfo

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
