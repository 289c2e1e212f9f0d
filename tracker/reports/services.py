"""Weekly report snapshots: build, mark stale, read (rebuilding when stale), email.
When each user's report is due, and the retries, are in schedule.py."""

import datetime as dt
import logging
import operator
from collections.abc import Iterable
from email.mime.image import MIMEImage
from functools import reduce

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import connection
from django.db.models import Case, F, JSONField, Q, Value, When
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from tracker import human
from tracker.prepared import Prepared
from tracker.reports.models import WeeklySnapshot
from tracker.reports.summary import weekly_email_png
from tracker.reports.weekly import FIXED_BASELINE_REACH_DAYS, weekly_reports_build
from tracker.reports.weeks import user_today

log = logging.getLogger(__name__)

# A snapshot reads its week, the 8 weeks before, the 84-day factor window ending with
# the week and a fixed baseline up to a year and 4 weeks back: a write to day d stales
# the weeks starting from d - 6 to d + READ_BEFORE_DAYS.
READ_BEFORE_DAYS = FIXED_BASELINE_REACH_DAYS + 28


def snapshots_mark_stale(*, user, days: Iterable[dt.date]) -> None:
    """Called after any logbook write: the snapshots that read `days` go stale. One
    UPDATE over the unique (user, week_start) index; `version` tells a build in
    flight that it raced a write."""
    statement = snapshots_stale_statement(user_id=user.pk, days=days)
    if statement is not None:
        with connection.cursor() as cursor:
            cursor.execute(*statement)


def snapshots_stale_statement(*, user_id: int, days: Iterable[dt.date]) -> tuple[str, list] | None:
    """snapshots_mark_stale's UPDATE as SQL and parameters, for a new logbook entry to
    run inside its own INSERT statement (tracker.logbook.signals.entry_logged)."""
    days = list(days)
    if not days:
        return None
    return _MARK_STALE.statement(
        user_id=user_id,
        first=min(days) - dt.timedelta(days=6),
        last=max(days) + dt.timedelta(days=READ_BEFORE_DAYS),
    )


# On every logbook write: compiled once per process (issue 14), a fifth of the CPU of
# compiling the same UPDATE each time.
_MARK_STALE = Prepared(
    lambda user_id, first, last: WeeklySnapshot.objects.filter(
        user_id=user_id, week_start__gte=first, week_start__lte=last
    ),
    changes={"stale": True, "version": F("version") + 1},
    user_id=int,
    first=dt.date,
    last=dt.date,
)


def snapshots_mark_all_stale(*, user) -> None:
    """A profile change that every report reads (goal, weight, pregnancy) stales them all."""
    WeeklySnapshot.objects.filter(user=user).update(stale=True, version=F("version") + 1)


def weekly_report_build(*, user, week_start: dt.date, today: dt.date | None = None) -> dict:
    """The report of the week starting `week_start`, as JSON-ready data: a chunk of one
    (weekly.weekly_reports_build), nine queries at most."""
    built = weekly_reports_build(weeks=[(user, week_start, today or user_today(user))])[user.pk]
    if isinstance(built, Exception):
        raise built
    return built


def _needs_build(snapshot: WeeklySnapshot, today: dt.date) -> bool:
    if snapshot.stale or not snapshot.data:
        return True
    # A week still running when built reads "today": rebuild it on a later diary day.
    return not snapshot.data.get("complete") and snapshot.data.get("built_for_day") != today.isoformat()


def weekly_snapshot_get(*, user, week_start: dt.date) -> WeeklySnapshot:
    """The week's snapshot, built when missing or stale. The row exists (stale) before
    the build reads anything, so a write during the build bumps its version and the
    conditional save below leaves it stale for the next read."""
    today = user_today(user)
    snapshot = WeeklySnapshot.objects.filter(user=user, week_start=week_start).first()
    if snapshot is not None and not _needs_build(snapshot, today):
        return snapshot
    if snapshot is None:
        snapshot = WeeklySnapshot(user=user, week_start=week_start, stale=True, generated_at=timezone.now())
        _snapshots_insert([snapshot])
    version = snapshot.version
    data = weekly_report_build(user=user, week_start=week_start, today=today)
    now = timezone.now()
    saved = WeeklySnapshot.objects.filter(user=user, week_start=week_start, version=version).update(
        data=data, stale=False, generated_at=now
    )
    snapshot.data, snapshot.generated_at, snapshot.stale = data, now, not saved
    return snapshot


def _snapshots_insert(snapshots: list[WeeklySnapshot]) -> None:
    """One INSERT of empty stale rows, no transaction around it (bulk_create would add
    BEGIN and COMMIT); a concurrent first read inserts the same row once."""
    table = WeeklySnapshot._meta.db_table
    values = ", ".join(["(%s, %s, %s, %s, %s, %s)"] * len(snapshots))
    params = []
    for s in snapshots:
        params += [s.user_id, s.week_start, "{}", True, 0, s.generated_at]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (user_id, week_start, data, stale, version, generated_at) VALUES {values} "  # noqa: S608
            "ON CONFLICT (user_id, week_start) DO NOTHING",
            params,
        )


def weekly_snapshots_get(*, weeks: list[tuple[object, dt.date]]) -> dict[int, WeeklySnapshot | Exception]:
    """weekly_snapshot_get for a chunk of (user, week start), one week per user: each
    user's snapshot, or the exception building it raised (the others are built and
    saved all the same). A constant number of queries whatever the chunk's size: one
    read of the snapshots, one INSERT of the missing, the build's nine, one UPDATE."""
    users = {user.pk: user for user, _ in weeks}
    wanted = {user.pk: week_start for user, week_start in weeks}
    result: dict[int, WeeklySnapshot | Exception] = {}
    today = {}
    for user_id, user in users.items():
        try:
            today[user_id] = user_today(user)
        except Exception as error:  # e.g. a stored zone this server does not know
            result[user_id] = error
            del wanted[user_id]
    if not wanted:
        return result
    by_week: dict[dt.date, list[int]] = {}
    for user_id, week_start in wanted.items():
        by_week.setdefault(week_start, []).append(user_id)
    found = {
        s.user_id: s
        for s in WeeklySnapshot.objects.filter(_any(Q(user_id__in=ids, week_start=w) for w, ids in by_week.items()))
    }
    to_build: dict[int, WeeklySnapshot] = {}
    now = timezone.now()
    for user_id, week_start in wanted.items():
        snapshot = found.get(user_id)
        if snapshot is not None and not _needs_build(snapshot, today[user_id]):
            result[user_id] = snapshot
            continue
        to_build[user_id] = snapshot or WeeklySnapshot(
            user=users[user_id], week_start=week_start, stale=True, generated_at=now
        )
    missing = [s for user_id, s in to_build.items() if user_id not in found]
    if missing:
        # The rows exist (stale) before the build reads anything, as weekly_snapshot_get.
        _snapshots_insert(missing)
    built = weekly_reports_build(weeks=[(users[uid], wanted[uid], today[uid]) for uid in to_build])
    saves = {}
    for user_id, data in built.items():
        if isinstance(data, Exception):
            result[user_id] = data
        else:
            saves[user_id] = data
    if saves:
        now = timezone.now()
        # One UPDATE for the chunk, each row only at the version read before its build.
        saved = WeeklySnapshot.objects.filter(
            _any(Q(user_id=uid, week_start=wanted[uid], version=to_build[uid].version) for uid in saves)
        ).update(
            data=Case(
                *(When(user_id=uid, then=Value(data, output_field=JSONField())) for uid, data in saves.items()),
                default=F("data"),
            ),
            stale=False,
            generated_at=now,
        )
        for user_id, data in saves.items():
            snapshot = to_build[user_id]
            # Which row raced a write is not told apart: all say stale when any did.
            snapshot.data, snapshot.generated_at, snapshot.stale = data, now, saved != len(saves)
            result[user_id] = snapshot
    return result


def _any(conditions) -> Q:
    return reduce(operator.or_, conditions)


def weekly_report_json(*, snapshot: WeeklySnapshot) -> dict:
    return {**snapshot.data, "generated_at": snapshot.generated_at.isoformat(), "stale": snapshot.stale}


def weekly_report_email(*, user, snapshot: WeeklySnapshot) -> EmailMultiAlternatives:
    """The weekly email: a text part, an HTML part, and the chart as an inline PNG
    referenced from the HTML by Content-ID."""
    data = weekly_report_json(snapshot=snapshot)
    query = f"?week={data['week']}"
    context = {
        "user": user,
        "report": data,
        "link": settings.SITE_URL + reverse("reports-weekly") + query,
        "print_link": settings.SITE_URL + reverse("reports-print"),
        "chart_cid": "weekly-chart",
    }
    message = EmailMultiAlternatives(
        subject="Your cramp and hydration week, "
        + human.date_range(dt.date.fromisoformat(data["starts_on"]), dt.date.fromisoformat(data["ends_on"])),
        body=render_to_string("reports/email/weekly.txt", context),
        to=[user.email],
    )
    message.attach_alternative(render_to_string("reports/email/weekly.html", context), "text/html")
    message.mixed_subtype = "related"
    # The page's three charts, stacked in one PNG (summary reads the 12 weeks of counts).
    image = MIMEImage(weekly_email_png(user=user, report=data), "png")
    image.add_header("Content-ID", f"<{context['chart_cid']}>")
    image.add_header("Content-Disposition", "inline", filename="week.png")
    message.attach(image)
    return message


def weekly_report_email_send(*, user, snapshot: WeeklySnapshot) -> bool:
    """Email the week's report once, to a verified address only. Claimed with a
    conditional update so two workers cannot both send it; a failed send releases the
    claim for a retry."""
    if not user.email_verified:
        return False
    row = WeeklySnapshot.objects.filter(user=user, week_start=snapshot.week_start)
    if not row.filter(emailed_at__isnull=True).update(emailed_at=timezone.now()):
        return False
    try:
        weekly_report_email(user=user, snapshot=snapshot).send()
    except Exception:
        row.update(emailed_at=None)
        raise
    return True
