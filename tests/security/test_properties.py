"""Property tests over the pure maths, each against an independent computation: the
diary day (any IANA zone, any instant, DST gaps and folds), the reminder slots and the
statistics (degenerate tables included)."""

import datetime as dt
import math
import zoneinfo
from functools import cache

from dateutil import tz as dateutil_tz
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import rankdata

from reminders.slots import Schedule, next_slot, window_slots
from tracker.diary import day_bounds, diary_day, local_to_utc
from tracker.reports import stats

SETTINGS = settings(max_examples=200, deadline=None)


@cache
def _zone_names() -> list[str]:
    # Zones both libraries read from the system database (dateutil is the independent one).
    return sorted(n for n in zoneinfo.available_timezones() if dateutil_tz.gettz(n) is not None and "/" in n)


zones = st.sampled_from(_zone_names())
# Up to mid-2037: dateutil, the independent oracle below, reads only the transitions the
# zone files list, and Debian's slim files stop listing them during 2037 (later ones follow
# a rule dateutil does not read: it put 2037-10-04 in Melbourne an hour behind).
instants = st.datetimes(
    min_value=dt.datetime(1995, 1, 1), max_value=dt.datetime(2037, 6, 30), timezones=st.just(dt.UTC)
)
day_starts = st.times(max_value=dt.time(12, 0)).map(lambda t: t.replace(second=0, microsecond=0))


def _diary_day_independently(instant: dt.datetime, zone_name: str, start: dt.time) -> dt.date:
    local = instant.astimezone(dateutil_tz.gettz(zone_name))
    minutes = local.hour * 60 + local.minute + local.second / 60 + local.microsecond / 60e6
    shift = 0 if minutes >= start.hour * 60 + start.minute else 1
    return dt.date.fromordinal(local.date().toordinal() - shift)


@SETTINGS
@given(instant=instants, zone=zones, start=day_starts)
def test_the_diary_day_matches_an_independent_reading_of_the_wall_clock(instant, zone, start):
    assert diary_day(instant, zone, start) == _diary_day_independently(instant, zone, start)


@SETTINGS
@given(instant=instants, zone=zones)
def test_an_instant_lies_within_the_bounds_of_its_diary_day(instant, zone):
    # With the default 04:00 start, after every zone's DST changes (which happen at or
    # before 03:00 local) the day is one unbroken span of time.
    day = diary_day(instant, zone)
    start, end = day_bounds(day, zone)
    assert start <= instant < end
    assert start < end


@SETTINGS
@given(day=st.dates(dt.date(1995, 1, 1), dt.date(2037, 12, 30)), zone=zones, start=day_starts)
def test_consecutive_diary_days_meet_without_gap_or_overlap(day, zone, start):
    _, end = day_bounds(day, zone, start)
    next_start, _ = day_bounds(day + dt.timedelta(days=1), zone, start)
    assert end == next_start


@SETTINGS
@given(naive=st.datetimes(dt.datetime(1995, 1, 1), dt.datetime(2037, 12, 31)), zone=zones)
def test_a_local_time_converts_to_the_instant_showing_that_time_or_the_first_after_a_gap(naive, zone):
    naive = naive.replace(second=0, microsecond=0)
    tzinfo = zoneinfo.ZoneInfo(zone)
    instant = local_to_utc(naive, tzinfo)
    shown = instant.astimezone(tzinfo).replace(tzinfo=None)
    assert shown >= naive
    if shown != naive:
        # Only a wall time that does not exist (a DST gap) moves, and only forward to
        # the first minute that does: the minute before the instant shows an earlier time.
        before = (instant - dt.timedelta(minutes=1)).astimezone(tzinfo).replace(tzinfo=None)
        assert before < naive
    else:
        # A repeated time takes its first occurrence.
        earlier = (instant - dt.timedelta(hours=1)).astimezone(tzinfo).replace(tzinfo=None)
        assert earlier != naive


# Reminder slots ------------------------------------------------------------------

schedules = st.builds(
    Schedule,
    zone=zones.map(zoneinfo.ZoneInfo),
    window_start=st.times().map(lambda t: t.replace(second=0, microsecond=0)),
    window_end=st.times().map(lambda t: t.replace(second=0, microsecond=0)),
    interval_minutes=st.integers(15, 240),
    quiet_days=st.frozensets(st.integers(0, 6), max_size=7),
    checkin=st.booleans(),
)


def _on_the_grid(wall: dt.datetime, day: dt.date, schedule: Schedule) -> bool:
    """Whether `wall` is one of the window's wall times: start + k x interval before the
    end, or the end itself for the check-in."""
    begin = dt.datetime.combine(day, schedule.window_start)
    end = dt.datetime.combine(day, schedule.window_end)
    if end <= begin:
        end += dt.timedelta(days=1)
    if schedule.checkin and wall == end:
        return True
    return begin <= wall < end and (wall - begin) % dt.timedelta(minutes=schedule.interval_minutes) == dt.timedelta(0)


@SETTINGS
@given(after=instants, schedule=schedules)
def test_the_next_slot_is_after_the_instant_at_a_wall_time_of_its_window(after, schedule):
    # Which slot is the earliest is checked on hand-worked cases (tests/reminders/test_slots.py);
    # here, for any zone and schedule, that what comes back is a slot at all, read off the
    # wall clock with dateutil: a grid time of a window on a day that is not quiet, or the
    # first minute after a DST gap that swallowed one.
    found = next_slot(after, schedule)
    if len(schedule.quiet_days) >= 7:
        assert found is None
        return
    assert found is not None and found.at > after
    assert found.window_day.weekday() not in schedule.quiet_days
    zone = dateutil_tz.gettz(schedule.zone.key)
    wall = found.at.astimezone(zone).replace(tzinfo=None)
    before = (found.at - dt.timedelta(minutes=1)).astimezone(zone).replace(tzinfo=None)
    if wall - before <= dt.timedelta(minutes=1):
        assert _on_the_grid(wall, found.window_day, schedule), wall
    else:  # the clock jumped just before: some grid time in the gap moved here
        minutes = int((wall - before) / dt.timedelta(minutes=1))
        gap = [before + dt.timedelta(minutes=m) for m in range(1, minutes + 1)]
        assert any(_on_the_grid(t, found.window_day, schedule) for t in gap), (before, wall)


@SETTINGS
@given(day=st.dates(dt.date(1995, 1, 1), dt.date(2037, 12, 30)), schedule=schedules)
def test_a_window_fires_each_instant_once_in_order(day, schedule):
    slots = window_slots(day, schedule)
    instants_ = [slot.at for slot in slots]
    assert instants_ == sorted(set(instants_))
    for slot in slots:
        assert slot.at.tzinfo is not None
        assert slot.window_day == day


# Statistics --------------------------------------------------------------------

cells = st.integers(0, 60)
tables = st.builds(stats.Table, a=cells, b=cells, c=cells, d=cells)


def _katz_directly(a, b, c, d):
    if 0 in (a, b, c, d):
        a, b, c, d = (x + 0.5 for x in (a, b, c, d))
    rr = (a / (a + b)) / (c / (c + d))
    se = math.sqrt(1 / a - 1 / (a + b) + 1 / c - 1 / (c + d))
    return rr, rr * math.exp(-1.959963984540054 * se), rr * math.exp(1.959963984540054 * se)


@SETTINGS
@given(table=tables)
def test_the_risk_ratio_and_its_interval_match_a_direct_computation(table):
    rr, low, high = stats.risk_ratio_katz(table)
    if table.exposed == 0 or table.unexposed == 0 or table.cramp_days == 0:
        # All exposed, none exposed, or no cramps: no ratio, and no crash.
        assert (rr, low, high) == (None, None, None)
        return
    expected = _katz_directly(table.a, table.b, table.c, table.d)
    for got, want in zip((rr, low, high), expected, strict=True):
        assert got is not None and math.isfinite(got)
        assert math.isclose(got, want, rel_tol=1e-9)
    assert low <= rr <= high


def _fisher_directly(a, b, c, d) -> float:
    # Sum of the hypergeometric probabilities of every table with the same margins that
    # is no more likely than the observed one (the two-sided definition scipy uses).
    row1, col1, n = a + b, a + c, a + b + c + d

    def probability(x):
        return math.comb(col1, x) * math.comb(n - col1, row1 - x) / math.comb(n, row1)

    observed = probability(a)
    lo, hi = max(0, row1 + col1 - n), min(row1, col1)
    return min(1.0, sum(p for x in range(lo, hi + 1) if (p := probability(x)) <= observed * (1 + 1e-7)))


@SETTINGS
@given(
    table=st.builds(stats.Table, a=st.integers(0, 25), b=st.integers(0, 25), c=st.integers(0, 25), d=st.integers(0, 25))
)
def test_fishers_p_matches_a_direct_hypergeometric_sum(table):
    p = stats.fisher_p(table)
    assert 0.0 <= p <= 1.0
    if table.n == 0:
        return
    assert math.isclose(p, _fisher_directly(table.a, table.b, table.c, table.d), rel_tol=1e-6, abs_tol=1e-12)


@SETTINGS
@given(p_values=st.lists(st.floats(0, 1), min_size=0, max_size=30))
def test_q_values_match_their_definition(p_values):
    q = stats.benjamini_hochberg(p_values)
    m = len(p_values)
    ranked = sorted(p_values)
    for i, p in enumerate(p_values):
        # q(p) = min over every p' >= p of p'·m/rank(p'), capped at 1.
        expected = min(1.0, min(ranked[j] * m / (j + 1) for j in range(m) if ranked[j] >= p))
        assert math.isclose(q[i], expected, rel_tol=1e-9, abs_tol=1e-12)
        assert q[i] >= p or math.isclose(q[i], p)


def _ranks(values):
    # Independent of the module under test: scipy's average ranks.
    return list(rankdata(values))


@SETTINGS
@given(pairs=st.lists(st.tuples(st.integers(0, 20), st.integers(0, 20)), min_size=0, max_size=40))
def test_spearman_rho_is_the_correlation_of_the_ranks(pairs):
    x = [p[0] for p in pairs]
    y = [p[1] for p in pairs]
    rho = stats.spearman_rho(x, y)
    if len(x) < 3 or len(set(x)) < 2 or len(set(y)) < 2:
        assert rho is None
        return
    rx, ry = _ranks(x), _ranks(y)
    mx, my = sum(rx) / len(rx), sum(ry) / len(ry)
    cov = sum((a - mx) * (b - my) for a, b in zip(rx, ry, strict=True))
    expected = cov / math.sqrt(sum((a - mx) ** 2 for a in rx) * sum((b - my) ** 2 for b in ry))
    assert math.isclose(rho, expected, rel_tol=1e-9, abs_tol=1e-12)


@SETTINGS
@given(table=tables, p=st.one_of(st.none(), st.floats(0, 1)), q=st.one_of(st.none(), st.floats(0, 1)))
def test_the_evidence_label_is_always_one_of_the_known_labels(table, p, q):
    label = stats.evidence_label(table=table, p=p, q=q)
    assert label in stats.EVIDENCE_ORDER
    if stats.not_comparable_reason(table):
        assert label == stats.NOT_COMPARABLE
    elif stats.is_insufficient(table):
        assert label == stats.INSUFFICIENT
