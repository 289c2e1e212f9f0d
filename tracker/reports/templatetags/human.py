"""Template filters over tracker.human: `{% load human %}` on any page.

Dates may come as date objects or ISO strings (report snapshots are JSON); instants
as aware datetimes or ISO strings. Zones default to the current Django timezone,
which base.html sets to the user's."""

import datetime as dt

from django import template
from django.utils import timezone

from tracker import human

register = template.Library()


_date = human.as_date


def _instant(value) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        return value
    try:
        return dt.datetime.fromisoformat(str(value))
    except ValueError:
        return None


def _on_date(function):
    def apply(value):
        day = _date(value)
        return function(day) if day else value

    return apply


register.filter("day_short", _on_date(human.day_short))
register.filter("day_medium", _on_date(human.day_medium))
register.filter("day_long", _on_date(human.day_long))


@register.filter
def date_range(start, end):
    """{{ start|date_range:end }}"""
    first, last = _date(start), _date(end)
    return human.date_range(first, last) if first and last else f"{start} – {end}"


@register.filter
def ago(value):
    instant = _instant(value)
    if instant is None:
        return value
    return human.ago(instant, timezone.now(), timezone.get_current_timezone())


@register.filter
def moment(value):
    instant = _instant(value)
    return human.moment(instant, timezone.get_current_timezone()) if instant else value


@register.filter
def counted(n, words: str):
    """{{ n|counted:"day,days" }} → "no days", "1 day", "3 days"."""
    singular, _, plural = words.partition(",")
    return human.count(int(n or 0), singular, plural or None)


@register.filter
def names_where(rows, key: str) -> str:
    """{{ medicines|names_where:"taking" }} → "A, B and C": the rows whose `key` is true."""
    names = [row["name"] for row in rows or [] if row.get(key)]
    return human.listing(names) if names else ""


@register.filter
def change(pct):
    """{{ -71.4|change }} → "71% fewer"."""
    return human.change(None if pct is None or pct == "" else float(pct))
