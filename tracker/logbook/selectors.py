"""Reads for the logbook pages. Each page runs a fixed number of queries, never one per
row or per day: the kinds of entry over a range of diary days are one statement, and
Today's page is one statement in all (tracker.prepared.read_together)."""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Max, Model, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone

from accounts.models import Medication
from tracker.diary import diary_day, local_to_utc
from tracker.logbook.models import Activity, CheckIn, Dose, Episode, Intake
from tracker.logbook.services import INSTANT_FIELD
from tracker.prepared import Prepared, read_together

KINDS: dict[str, type[Model]] = {"intake": Intake, "episode": Episode, "activity": Activity, "dose": Dose}
# How far back Today looks for drinks to repeat: bounds the scan of a long diary.
RECENT_DRINKS_DAYS = 60
KIND_LABELS = {"intake": "Drinks", "episode": "Cramps", "activity": "Activity", "dose": "Medication doses"}


@dataclass(frozen=True)
class Entry:
    kind: str
    row: Model

    @property
    def at(self) -> dt.datetime:
        return getattr(self.row, INSTANT_FIELD[type(self.row)])


@dataclass
class Day:
    day: dt.date
    entries: list[Entry] = field(default_factory=list)
    checkin: CheckIn | None = None


def today_of(user, now: dt.datetime | None = None) -> dt.date:
    return diary_day(now or timezone.now(), user.zone, user.day_starts_at)


def _rows(user, kind: str) -> QuerySet:
    qs = KINDS[kind].objects.for_user(user)
    return qs.select_related("medication") if kind == "dose" else qs


def _between(kind: str) -> Prepared:
    return Prepared(
        lambda user_id, start, end: _rows(user_id, kind).filter(day__gte=start, day__lte=end),
        user_id=int,
        start=dt.date,
        end=dt.date,
    )


# Other apps' reads for the Today page, run in its one statement: each registers in its
# AppConfig.ready a function (user, diary day) -> (Prepared, values); today_summary gives
# the rows as "today_reads", by name (the view also sets them on the request), for the
# app's panel (experiments) or context processor (reminders: the unread count).
TODAY_READS: dict[str, Callable[[Any, dt.date], tuple[Prepared, dict]]] = {}

# Today and History read each kind over a range of days on every view: compiled once per
# process (tracker.prepared), which halves the CPU of the Today page's reads, and run
# together as one statement (tracker.prepared.read_together): one round trip, not four.
_BETWEEN = {kind: _between(kind) for kind in KINDS}
# Today asks about today's and (in the morning) yesterday's check-in: one read for both.
_CHECKIN_DAYS = Prepared(
    lambda user_id, start, end: (
        CheckIn.objects.for_user(user_id).filter(day__gte=start, day__lte=end).values("day").order_by()
    ),
    user_id=int,
    start=dt.date,
    end=dt.date,
)


def _checkin_days(user, start: dt.date, end: dt.date) -> set[dt.date]:
    return {row["day"] for row in _CHECKIN_DAYS.all(user_id=user.pk, start=start, end=end)}


def entries_between(user, start: dt.date, end: dt.date, kinds: list[str] | None = None) -> list[Entry]:
    """Entries with diary days in [start, end], newest first: one query."""
    kinds = list(KINDS) if kinds is None else [k for k in kinds if k in KINDS]
    if not kinds:
        return []
    return _entries(read_together(_entry_reads(user, start, end, kinds)))


def _entry_reads(user, start: dt.date, end: dt.date, kinds) -> dict:
    return {kind: (_BETWEEN[kind], {"user_id": user.pk, "start": start, "end": end}) for kind in kinds}


def _entries(found: dict[str, list]) -> list[Entry]:
    entries = [Entry(kind, row) for kind in KINDS for row in found.get(kind, ())]
    entries.sort(key=lambda e: (e.at, e.row.created_at), reverse=True)
    return entries


def today_summary(*, user, now: dt.datetime | None = None, exclude_drinks=()) -> dict:
    """All the Today page shows from the logbook, in one statement: today's entries, the
    check-ins of today and yesterday, the every-day medicines, and the recent drinks not
    in `exclude_drinks` (the presets' (volume, beverage))."""
    now = now or timezone.now()
    day = today_of(user, now)
    found = read_together(
        {
            **_entry_reads(user, day, day, KINDS),
            "checkins": (_CHECKIN_DAYS, {"user_id": user.pk, "start": day - dt.timedelta(days=1), "end": day}),
            "medications": (_REGULAR_MEDICATIONS, {"user_id": user.pk, "day": day}),
            "recent_drinks": _recent_drinks_read(user, exclude_drinks, now=now),
            **{name: read(user, day) for name, read in TODAY_READS.items()},
        }
    )
    entries = _entries(found)
    checked_in = {row["day"] for row in found["checkins"]}
    intakes = [e.row for e in entries if e.kind == "intake"]
    effective = sum(i.effective_ml for i in intakes)
    goal = user.goal_ml
    return {
        "day": day,
        "entries": entries,
        "effective_ml": effective,
        "raw_ml": sum(i.volume_ml for i in intakes),
        "goal_ml": goal,
        # Half up in integers (Python's round() would make 12.5 % into 12).
        "goal_pct": (200 * effective + goal) // (2 * goal) if goal else 0,
        "has_checkin": day in checked_in,
        "checkin_day": _checkin_due_day(user, now, day, checked_in),
        "regular_medications": _with_todays_dose(found["medications"], entries),
        "recent_drinks": found["recent_drinks"],
        "today_reads": {name: found[name] for name in TODAY_READS},
    }


def recent_drinks(*, user, exclude=(), limit: int = 3, now: dt.datetime | None = None) -> list[dict]:
    """The latest `limit` distinct drinks (volume and beverage) not in `exclude`, newest
    first, each with the id of one entry to repeat: one grouped query, however long the diary."""
    read, values = _recent_drinks_read(user, exclude, limit, now)
    return read.all(**values)


def _recent_drinks_read(user, exclude=(), limit: int = 3, now: dt.datetime | None = None) -> tuple[Prepared, dict]:
    since = (now or timezone.now()) - dt.timedelta(days=RECENT_DRINKS_DAYS)
    exclude = list(exclude)
    key = (len(exclude), limit)
    if key not in _RECENT_DRINKS:
        _RECENT_DRINKS[key] = Prepared(
            lambda user_id, since, **excluded: _recent_drinks(user_id, since, excluded, limit),
            user_id=int,
            since=dt.datetime,
            **{f"{part}{n}": kind for n in range(len(exclude)) for part, kind in (("volume", int), ("beverage", str))},
        )
    excluded = {}
    for n, (volume_ml, beverage) in enumerate(exclude):
        # As the ORM would prepare them for the integer and text columns.
        excluded |= {f"volume{n}": int(volume_ml), f"beverage{n}": str(beverage)}
    return _RECENT_DRINKS[key], {"user_id": user.pk, "since": since, **excluded}


def _recent_drinks(user_id: int, since: dt.datetime, excluded: dict, limit: int) -> QuerySet:
    qs = Intake.objects.for_user(user_id).filter(taken_at__gte=since)
    for n in range(len(excluded) // 2):
        qs = qs.exclude(volume_ml=excluded[f"volume{n}"], beverage=excluded[f"beverage{n}"])
    grouped = qs.values("volume_ml", "beverage").annotate(last_at=Max("taken_at"), entry_id=Max("id"))
    return grouped.order_by("-last_at", "-entry_id")[:limit]


# On every Today page, one per number of presets left out: compiled once per process.
_RECENT_DRINKS: dict[tuple[int, int], Prepared] = {}


def history_days(*, user, start: dt.date, end: dt.date, kinds: list[str] | None = None) -> list[Day]:
    """Diary days in [start, end] that have entries or a check-in, newest first."""
    days: dict[dt.date, Day] = {}
    for entry in entries_between(user, start, end, kinds):
        days.setdefault(entry.row.day, Day(entry.row.day)).entries.append(entry)
    if kinds is None or "checkin" in kinds:
        for checkin in CheckIn.objects.for_user(user).filter(day__gte=start, day__lte=end):
            days.setdefault(checkin.day, Day(checkin.day)).checkin = checkin
    return [days[d] for d in sorted(days, reverse=True)]


def entry_get(*, user, kind: str, pk: int) -> Model:
    """One of the user's own entries; anyone else's id is a 404."""
    if kind not in KINDS:
        raise Http404
    return get_object_or_404(_rows(user, kind), pk=pk)


# In the morning a check-in is about the night and the day before.
MORNING_ENDS = dt.time(12, 0)
MISSING_CHECKIN_DAYS = 14


def is_morning(*, user, now: dt.datetime) -> bool:
    """From the day start until noon: the diary day has turned over and last night
    belongs to yesterday. Before the day start (a cramp at 02:40) it is still the night
    of the diary day under way."""
    return user.day_starts_at <= now.astimezone(user.zone).time() < MORNING_ENDS


@dataclass(frozen=True)
class LastNight:
    cramps: list[dict]  # on yesterday's diary day, oldest first: {"at", "what", "flag", "edit_url"}
    later: int  # night cramps after the day start: already in today's list, not repeated
    day_starts_at: dt.time

    @property
    def count(self) -> int:
        return len(self.cramps) + self.later


def last_night(*, user, now: dt.datetime | None = None) -> LastNight | None:
    """In the morning, the night cramps of the sleep window that ended this morning (the
    profile's sleep_starts_at..sleep_ends_at, local wall clock): one query, none outside
    the morning. A cramp after the day start is on today's diary day and already listed
    there, so it is only counted here, never listed twice; None when the night had none."""
    now = now or timezone.now()
    if not is_morning(user=user, now=now):
        return None
    zone, start, end = user.zone, user.sleep_starts_at, user.sleep_ends_at
    ends_on = now.astimezone(zone).date()
    starts_on = ends_on - dt.timedelta(days=1) if start >= end else ends_on
    rows = _NIGHT_CRAMPS.all(
        user_id=user.pk,
        start=local_to_utc(dt.datetime.combine(starts_on, start), zone),
        end=local_to_utc(dt.datetime.combine(ends_on, end), zone),
    )
    if not rows:
        return None
    today = today_of(user, now)
    earlier = [row for row in rows if row.day < today]
    if not earlier:
        return None  # all of them after the day start: today's list shows them already
    back = f"?next={reverse('today')}"
    return LastNight(
        cramps=[_night_cramp(row, back) for row in earlier],
        later=len(rows) - len(earlier),
        day_starts_at=user.day_starts_at,
    )


def _night_cramp(row: Episode, back: str) -> dict:
    side = f"{row.get_side_display().lower()} " if row.side in ("left", "right") else ""
    woke = ", woke you" if row.sleep_disturbed else ""
    return {
        "at": row.started_at,
        "what": f"{side}{row.get_muscle_display().lower()}, severity {row.severity}{woke}",
        "flag": bool(row.red_flags),
        "edit_url": reverse("entry-edit", args=("episode", row.pk)) + back,
    }


# On every Today page in the morning: compiled once per process.
_NIGHT_CRAMPS = Prepared(
    lambda user_id, start, end: (
        Episode.objects.for_user(user_id)
        .filter(at_night=True, started_at__gte=start, started_at__lt=end)
        .order_by("started_at", "id")
    ),
    user_id=int,
    start=dt.datetime,
    end=dt.datetime,
)


def checkin_due_day(*, user, now: dt.datetime | None = None) -> dt.date:
    """The day the check-in button asks about: in the morning, yesterday's diary day if it
    has no check-in yet (the night's cramps belong to it); otherwise today."""
    now = now or timezone.now()
    today = today_of(user, now)
    return _checkin_due_day(user, now, today, _checkin_days(user, today - dt.timedelta(days=1), today))


def _checkin_due_day(user, now: dt.datetime, today: dt.date, checked_in: set[dt.date]) -> dt.date:
    yesterday = today - dt.timedelta(days=1)
    if is_morning(user=user, now=now) and yesterday not in checked_in:
        return yesterday
    return today


def days_without_checkin(*, user, now: dt.datetime | None = None) -> list[dt.date]:
    """The last 14 diary days (today included) with no check-in, newest first: one query.
    None from before the account existed, except the one Today asks about (signed up in
    the morning, last night's day is the first to check in for)."""
    now = now or timezone.now()
    today = today_of(user, now)
    first = today - dt.timedelta(days=1) if is_morning(user=user, now=now) else today
    start = max(today - dt.timedelta(days=MISSING_CHECKIN_DAYS - 1), min(today_of(user, user.date_joined), first))
    done = set(CheckIn.objects.for_user(user).filter(day__gte=start, day__lte=today).values_list("day", flat=True))
    return [d for d in (today - dt.timedelta(days=i) for i in range((today - start).days + 1)) if d not in done]


def _with_todays_dose(medications: list, entries: list[Entry]) -> list[dict]:
    """The every-day medicines still being taken, each with today's dose if any (today's
    doses come from the entries already read)."""
    taken = {e.row.medication_id: e.row for e in entries if e.kind == "dose"}
    return [{"medication": m, "dose": taken.get(m.pk)} for m in medications]


# On every Today page: compiled once per process.
_REGULAR_MEDICATIONS = Prepared(
    lambda user_id, day: Medication.objects.for_user(user_id).filter(regular=True).exclude(stopped_on__lt=day),
    user_id=int,
    day=dt.date,
)


def cramps_on(*, user, day: dt.date) -> int:
    """How many cramps the user logged on a diary day."""
    return Episode.objects.for_user(user).filter(day=day).count()


def checkin_for(*, user, day: dt.date) -> CheckIn | None:
    return CheckIn.objects.for_user(user).filter(day=day).first()
