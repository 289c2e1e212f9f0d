"""The diary day: the one rule that maps an instant to the day a row belongs to.

A diary day is the user's local day starting at their day start, so a cramp at
03:00 belongs to the evening before. The shift is made on the local wall clock,
never as "UTC minus N hours", which would be wrong on DST days.
"""

import datetime as dt
from zoneinfo import ZoneInfo

DEFAULT_DAY_START = dt.time(4, 0)


def diary_day(instant: dt.datetime, tz: ZoneInfo | str, day_start: dt.time = DEFAULT_DAY_START) -> dt.date:
    if instant.tzinfo is None:
        raise ValueError("diary_day needs an aware datetime")
    local = instant.astimezone(ZoneInfo(tz) if isinstance(tz, str) else tz)
    if local.time().replace(tzinfo=None) >= day_start:
        return local.date()
    return local.date() - dt.timedelta(days=1)


def day_bounds(
    day: dt.date, tz: ZoneInfo | str, day_start: dt.time = DEFAULT_DAY_START
) -> tuple[dt.datetime, dt.datetime]:
    """The UTC instants [start, end) of a diary day.

    A day start that falls in a DST gap begins at the first valid instant after it.
    """
    zone = ZoneInfo(tz) if isinstance(tz, str) else tz

    def start_of(d: dt.date) -> dt.datetime:
        return local_to_utc(dt.datetime.combine(d, day_start), zone)

    return start_of(day), start_of(day + dt.timedelta(days=1))


def local_to_utc(naive: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    """A local wall time as a UTC instant: a repeated time takes its first occurrence
    (fold=0); a time in a DST gap moves to the first valid minute after it."""
    candidate = naive
    while True:
        aware = candidate.replace(tzinfo=zone, fold=0)
        if aware.astimezone(dt.UTC).astimezone(zone).replace(tzinfo=None) == candidate:
            return aware.astimezone(dt.UTC)
        candidate = (candidate + dt.timedelta(minutes=1)).replace(second=0, microsecond=0)
