import datetime as dt
from zoneinfo import ZoneInfo

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


def reference_slots(after, schedule, days=10):
    """Every slot instant, laid out independently: wall times minute by minute over a
    few days, each mapped to the first real instant at or after it."""
    zone = schedule.zone
    found = {}
    start_day = after.astimezone(zone).date() - dt.timedelta(days=1)
    for offset in range(days):
        day = start_day + dt.timedelta(days=offset)
        if day.weekday() in schedule.quiet_days:
            continue
        begin = dt.datetime.combine(day, schedule.window_start)
        end = dt.datetime.combine(day, schedule.window_end)
        if end <= begin:
            end += dt.timedelta(days=1)
        walls = []
        t = begin
        while t < end:
            walls.append((t, DRINK))
            t += dt.timedelta(minutes=schedule.interval_minutes)
        if schedule.checkin:
            walls.append((end, CHECKIN))
        for wall, prompt in walls:
            # The first minute at or after `wall` that exists on the local clock.
            probe = wall
            while True:
                instant = probe.replace(tzinfo=zone).astimezone(dt.UTC)
                if instant.astimezone(zone).replace(tzinfo=None) == probe:
                    break
                probe += dt.timedelta(minutes=1)
            found.setdefault(instant, prompt)
    return sorted(t for t in found if t > after)


@settings(max_examples=300, deadline=None)
@given(schedule=schedules, after=instants)
def test_next_slot_is_the_earliest_slot_after_the_instant(schedule, after):
    got = next_slot(after, schedule)
    expected = reference_slots(after, schedule)
    if not expected:
        assert got is None
        return
    assert got is not None
    assert got.at == expected[0]
    assert got.at > after


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
