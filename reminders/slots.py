"""Slot maths: when a plan's next reminder is due. Pure functions, no database.

Slots are laid out on the local wall clock of the day the window starts:
window_start, window_start + interval, ... while before window_end (a window may
cross midnight), then one evening check-in slot at window_end. Each wall time is
turned into an instant by tracker.diary.local_to_utc: a time in a DST gap moves to
the first valid minute after it, a repeated time takes its first occurrence, so it
fires once.
"""

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache
from zoneinfo import ZoneInfo

from tracker.diary import local_to_utc

DRINK = "drink"
CHECKIN = "checkin"


@dataclass(frozen=True)
class Schedule:
    zone: ZoneInfo
    window_start: dt.time
    window_end: dt.time
    interval_minutes: int
    quiet_days: frozenset[int] = field(default_factory=frozenset)
    checkin: bool = True


@dataclass(frozen=True)
class Slot:
    at: dt.datetime  # UTC
    prompt: str
    window_day: dt.date  # the local date the window started on


def wall_slots(day: dt.date, schedule: Schedule) -> list[tuple[dt.datetime, str]]:
    """The naive local wall times of the window that starts on `day`."""
    if day.weekday() in schedule.quiet_days:
        return []
    start = dt.datetime.combine(day, schedule.window_start)
    end = dt.datetime.combine(day, schedule.window_end)
    if end <= start:  # crosses midnight (equal means a 24-hour window)
        end += dt.timedelta(days=1)
    step = dt.timedelta(minutes=schedule.interval_minutes)
    times = []
    t = start
    while t < end:
        times.append((t, DRINK))
        t += step
    if schedule.checkin:
        times.append((end, CHECKIN))
    return times


def window_slots(day: dt.date, schedule: Schedule) -> list[Slot]:
    """The slots of the window that starts on local `day`, in order, each instant once.
    Several wall times in a DST gap can move onto one instant: it fires once, and
    the check-in prompt wins over a drink at the same instant."""
    found: dict[dt.datetime, Slot] = {}
    for wall, prompt in wall_slots(day, schedule):
        at = local_to_utc(wall, schedule.zone)
        if at not in found or prompt == CHECKIN:
            found[at] = Slot(at=at, prompt=prompt, window_day=day)
    return [found[at] for at in sorted(found)]


@lru_cache(maxsize=4096)
def next_slot(after: dt.datetime, schedule: Schedule) -> Slot | None:
    """The first slot strictly after `after` (an aware instant), or None when every
    weekday is a quiet day. Cached: in a busy minute many plans share a schedule."""
    if after.tzinfo is None:
        raise ValueError("next_slot needs an aware datetime")
    if len(schedule.quiet_days) >= 7:
        return None
    # Windows start in wall-clock order and local_to_utc never goes backwards, so
    # every slot of one window comes no later than every slot of the next: the
    # first window with a slot after `after` holds the answer. Start a day early
    # for a window that crossed midnight.
    day = after.astimezone(schedule.zone).date() - dt.timedelta(days=1)
    for _ in range(10):
        for slot in window_slots(day, schedule):
            if slot.at > after:
                return slot
        day += dt.timedelta(days=1)
    return None


def window_share(at: dt.datetime, schedule: Schedule) -> float:
    """The elapsed share (0..1) of the waking window that holds `at`, measured in
    UTC so a DST change inside the window counts real time."""
    local_day = at.astimezone(schedule.zone).date()
    for day in (local_day, local_day - dt.timedelta(days=1)):
        start = local_to_utc(dt.datetime.combine(day, schedule.window_start), schedule.zone)
        end_wall = dt.datetime.combine(day, schedule.window_end)
        if schedule.window_end <= schedule.window_start:
            end_wall += dt.timedelta(days=1)
        end = local_to_utc(end_wall, schedule.zone)
        if start <= at <= end and end > start:
            return (at - start) / (end - start)
    return 1.0
