"""Weeks of diary days: Monday–Sunday (ISO weeks), or Sunday–Saturday when the user
starts weeks on Sunday; then `2026-W44` names the week whose Monday is in ISO week
44, starting the Sunday before."""

import datetime as dt
import re

from django.utils import timezone

from tracker.diary import diary_day

WEEK_RE = re.compile(r"^(\d{4})-W(\d{2})$")
SUNDAY = "sunday"


def week_start_of(day: dt.date, week_starts_on: str) -> dt.date:
    if week_starts_on == SUNDAY:
        return day - dt.timedelta(days=(day.weekday() + 1) % 7)
    return day - dt.timedelta(days=day.weekday())


def week_parse(label: str, week_starts_on: str) -> dt.date:
    """The first diary day of the week named `label` ("2026-W44"); ValueError if malformed."""
    match = WEEK_RE.match(label or "")
    if not match:
        raise ValueError("Give the week as YYYY-Www, for example 2026-W44.")
    year, week = int(match[1]), int(match[2])
    try:
        monday = dt.date.fromisocalendar(year, week, 1)
    except ValueError as error:
        raise ValueError(f"{label} is not a week of {year}.") from error
    return monday - dt.timedelta(days=1) if week_starts_on == SUNDAY else monday


def week_label(start: dt.date, week_starts_on: str) -> str:
    monday = start + dt.timedelta(days=1) if week_starts_on == SUNDAY else start
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}"


def user_today(user, now: dt.datetime | None = None) -> dt.date:
    return diary_day(now or timezone.now(), user.zone, user.day_starts_at)


EARLIEST = dt.date(1900, 1, 1)


def week_resolve(*, user, label: str | None) -> dt.date:
    """The first day of the week named `label`, or of the current week (from the user's
    diary day) when no label is given (the weekly page and API then step back to the
    last complete week). ValueError for a malformed or future week."""
    today = user_today(user)
    if not label:
        return week_start_of(today, user.week_starts_on)
    start = week_parse(label, user.week_starts_on)
    if start < EARLIEST:
        raise ValueError("Give a week from 1900 onwards.")
    if start > today:
        raise ValueError("That week has not started yet.")
    return start
