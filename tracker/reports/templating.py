"""Template helpers (tracker/templating.py): filters over tracker.human on any page,
and the weekly charts in words.

Dates may come as date objects or ISO strings (report snapshots are JSON); instants
as aware datetimes or ISO strings. Zones default to the current Django timezone,
which UserTimezoneMiddleware sets to the user's."""

from django.utils import timezone

from tracker import human
from tracker.reports import charts

_date = human.as_date


def _on_date(function):
    def apply(value):
        day = _date(value)
        return function(day) if day else value

    return apply


def date_range(start, end):
    """{{ start|date_range(end) }}"""
    first, last = _date(start), _date(end)
    return human.date_range(first, last) if first and last else f"{start} – {end}"


def moment(value):
    instant = human.as_instant(value)
    return human.moment(instant, timezone.get_current_timezone()) if instant else value


def counted(n, words: str):
    """{{ n|counted("day,days") }} → "no days", "1 day", "3 days"."""
    singular, _, plural = words.partition(",")
    return human.count(int(n or 0), singular, plural or None)


def names_where(rows, key: str) -> str:
    """{{ medicines|names_where("taking") }} → "A, B and C": the rows whose `key` is true."""
    names = [row["name"] for row in rows or [] if row.get(key)]
    return human.listing(names) if names else ""


def change(pct):
    """{{ -71.4|change }} → "71% fewer"."""
    return human.change(None if pct is None or pct == "" else float(pct))


def week_chart_words(report: dict, user=None) -> list[str]:
    """What the weekly charts show, in words, for the email (its text part has no image,
    and the HTML part's image needs a description). The same sentences as the page's."""
    days = report.get("days") or []
    if not days:
        return []
    return [
        charts.fluid_chart(
            days=days, goal_ml=report["hydration"]["goal_ml"], us=getattr(user, "units", "metric") == "us"
        ).summary,
        charts.severity_chart(days=days).summary,
    ]


FILTERS = {
    "day_short": _on_date(human.day_short),
    "day_medium": _on_date(human.day_medium),
    "date_range": date_range,
    "moment": moment,
    "counted": counted,
    "names_where": names_where,
    "change": change,
}
GLOBALS = {"week_chart_words": week_chart_words}
