"""The night rule, defined once: whether a cramp counts as a night cramp.

A cramp is a night cramp when it starts inside the person's usual sleep window (local
wall clock, so the same on DST days) unless what they were doing says they were awake.
"Woke me up" (Episode.sleep_disturbed) is a separate fact and does not decide it: a
cramp can come at night without waking anyone, and the flag alone cannot tell a nap
from a night. The result is stored on the episode when it is written
(Episode.at_night) and recomputed when the sleep window or the timezone changes,
exactly like the diary day, so reports and the API read one column.
"""

import datetime as dt
from zoneinfo import ZoneInfo

from tracker.diary import local_to_utc

DEFAULT_SLEEP_START = dt.time(23, 0)
DEFAULT_SLEEP_END = dt.time(7, 0)
# Contexts (tracker.logbook.models.Context values) that say the person was up and about.
# "resting", "asleep", "other" and no context at all leave the window to decide.
AWAKE_CONTEXTS = frozenset({"sitting", "standing", "walking", "exercising", "after_exercise"})


def in_sleep_window(local_time: dt.time, start: dt.time, end: dt.time) -> bool:
    """[start, end) on the wall clock; a window whose end is before its start crosses midnight."""
    if start <= end:
        return start <= local_time < end
    return local_time >= start or local_time < end


def is_night(
    instant: dt.datetime,
    zone: ZoneInfo | str,
    *,
    context: str = "",
    sleep_start: dt.time = DEFAULT_SLEEP_START,
    sleep_end: dt.time = DEFAULT_SLEEP_END,
) -> bool:
    if instant.tzinfo is None:
        raise ValueError("is_night needs an aware datetime")
    if context in AWAKE_CONTEXTS:
        return False
    local = instant.astimezone(ZoneInfo(zone) if isinstance(zone, str) else zone)
    return in_sleep_window(local.time().replace(tzinfo=None), sleep_start, sleep_end)


def last_sleep_window(
    now: dt.datetime, zone: ZoneInfo, start: dt.time, end: dt.time
) -> tuple[dt.datetime, dt.datetime]:
    """The local [start, end) of the most recent sleep window that has ended by `now`
    (aware, in `zone`): the night a person means by "last night" in the morning."""
    local_now = now.astimezone(zone)
    for back in range(0, 3):
        end_date = local_now.date() - dt.timedelta(days=back)
        end_at = local_to_utc(dt.datetime.combine(end_date, end), zone).astimezone(zone)
        if end_at <= local_now:
            start_date = end_date if start < end else end_date - dt.timedelta(days=1)
            start_at = local_to_utc(dt.datetime.combine(start_date, start), zone).astimezone(zone)
            return start_at, end_at
    raise AssertionError("a sleep window ends every day")  # pragma: no cover
