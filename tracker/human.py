"""Dates, ranges and instants as people read them: "16–22 Nov 2026", "Mon 16 Nov",
"updated 5 min ago". Pure functions (no Django), so pages, emails and the API's
text fields can share them; template filters in tracker/reports/templating.py.
English, day-month order and a 24-hour clock, like the rest of the app."""

import datetime as dt
from zoneinfo import ZoneInfo

EN_DASH = "–"


def day_short(day: dt.date) -> str:
    """Mon 16 Nov"""
    return f"{day:%a} {day.day} {day:%b}"


def day_medium(day: dt.date) -> str:
    """16 Nov 2026"""
    return f"{day.day} {day:%b %Y}"


def day_name(day: dt.date) -> str:
    """Monday 16 November (as the pages' headings name a day)"""
    return f"{day:%A} {day.day} {day:%B}"


def day_long(day: dt.date) -> str:
    """Monday 16 November 2026"""
    return f"{day:%A} {day.day} {day:%B %Y}"


def date_range(start: dt.date, end: dt.date) -> str:
    """16–22 Nov 2026; 30 Nov – 6 Dec 2026; 28 Dec 2026 – 3 Jan 2027; 16 Nov 2026.
    Only what differs is repeated; a spaced dash when either side has a space."""
    if start == end:
        return day_medium(start)
    if start.year != end.year:
        return f"{day_medium(start)} {EN_DASH} {day_medium(end)}"
    if start.month != end.month:
        return f"{start.day} {start:%b} {EN_DASH} {day_medium(end)}"
    return f"{start.day}{EN_DASH}{day_medium(end)}"


def clock(instant: dt.datetime, zone: ZoneInfo | str) -> str:
    """07:04, in the user's zone."""
    local = instant.astimezone(ZoneInfo(zone) if isinstance(zone, str) else zone)
    return f"{local:%H:%M}"


def moment(instant: dt.datetime, zone: ZoneInfo | str) -> str:
    """Mon 16 Nov 2026, 07:04, in the user's zone."""
    local = instant.astimezone(ZoneInfo(zone) if isinstance(zone, str) else zone)
    return f"{day_short(local.date())} {local.year}, {local:%H:%M}"


def ago(instant: dt.datetime, now: dt.datetime, zone: ZoneInfo | str = "UTC") -> str:
    """just now, 5 min ago, 3 h ago, yesterday at 18:20, on Mon 16 Nov 2026. Elapsed
    time is measured in UTC (local subtraction would hide a DST hour); "yesterday"
    is a calendar day in the user's zone."""
    seconds = (now - instant).total_seconds()
    if seconds < 0:
        return f"on {moment(instant, zone)}"  # a clock running ahead: say when, not "in 2 min"
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    zone = ZoneInfo(zone) if isinstance(zone, str) else zone
    days = (now.astimezone(zone).date() - instant.astimezone(zone).date()).days
    if days == 0:
        return f"{int(seconds // 3600)} h ago"
    if days == 1:
        return f"yesterday at {clock(instant, zone)}"
    if days < 7:
        return f"{days} days ago"
    return f"on {day_medium(instant.astimezone(zone).date())}"


def count(n: int, singular: str, plural: str | None = None) -> str:
    """1 day, 3 days, no days"""
    if n == 0:
        return f"no {plural or singular + 's'}"
    return f"{n} {singular if n == 1 else plural or singular + 's'}"


def listing(words: list[str]) -> str:
    """ "A", "A and B", "A, B and C"."""
    words = list(words)
    return words[0] if len(words) < 2 else ", ".join(words[:-1]) + " and " + words[-1]


def change(pct: float | None) -> str:
    """A relative change as people say it: -71.4 → "71% fewer", 170.5 → "171% more".
    Rounded here, for display only; the figure itself stays exact."""
    if pct is None:
        return "no upper limit"
    whole = int(abs(pct) + 0.5)  # half away from zero, as people round (round() gives 170 for 170.5)
    if whole == 0:
        return "about the same"
    return f"{whole}% {'fewer' if pct < 0 else 'more'}"


def as_instant(value) -> dt.datetime | None:
    """A datetime from a datetime or an ISO string (report snapshots are JSON); None for
    anything else."""
    if isinstance(value, dt.datetime):
        return value
    try:
        return dt.datetime.fromisoformat(str(value))
    except ValueError:
        return None


def as_date(value) -> dt.date | None:
    """A date from a date, a datetime or an ISO string (report snapshots are JSON); None
    for anything else."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return None
