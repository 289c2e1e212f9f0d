"""Weekly report snapshots: build, mark stale, read (rebuilding when stale), email.
When each user's report is due, and the retries, are in schedule.py."""

import datetime as dt
import logging
from collections.abc import Iterable
from email.mime.image import MIMEImage

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import connection
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from tracker import human
from tracker.prepared import Prepared
from tracker.reports import analysis, selectors
from tracker.reports.models import WeeklySnapshot
from tracker.reports.registry import context_items
from tracker.reports.series import series_build
from tracker.reports.summary import weekly_email_png
from tracker.reports.weeks import user_today, week_label

log = logging.getLogger(__name__)

# A medicine started up to a year before the week still fixes its baseline.
FIXED_BASELINE_REACH_DAYS = 365
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
    """The report of the week starting `week_start`, as JSON-ready data. A fixed number
    of queries: six for the series (which covers the week, the baselines, the last 14
    days and the factor window at once), one for red flags, three for medication
    changes, and the reminders block."""
    today = today or user_today(user)
    end = week_start + dt.timedelta(days=6)
    complete = end < today
    window_end = min(end, today)
    window_start = window_end - dt.timedelta(days=analysis.WINDOW_DAYS - 1)
    # As the week ended: a past week's report shows neither later starts nor later stops.
    medication = selectors.medication_picture(user=user, end=end, today=today)
    changes = medication["changes"]
    fixed_start = selectors.fixed_baseline_start(changes, week_start)
    series_start = min(window_start - dt.timedelta(days=1), week_start - dt.timedelta(days=56))
    if fixed_start is not None and fixed_start[1] >= week_start - dt.timedelta(days=FIXED_BASELINE_REACH_DAYS):
        series_start = min(series_start, fixed_start[1] - dt.timedelta(days=selectors.FIXED_BASELINE_DAYS))
    else:
        fixed_start = None
    series = series_build(user=user, start=series_start, end=end)
    week = series.between(week_start, end)
    episodes, change = selectors.week_outcomes(series, week_start, complete=complete, fixed_start=fixed_start)
    factors = analysis.factors_analyse(series=series, start=window_start, end=window_end)
    return {
        "week": week_label(week_start, user.week_starts_on),
        "starts_on": week_start.isoformat(),
        "ends_on": end.isoformat(),
        "timezone": user.timezone,
        "day_starts_at": user.day_starts_at.strftime("%H:%M"),
        "week_starts_on": user.week_starts_on,
        "complete": complete,
        "in_progress": not complete,
        "built_for_day": today.isoformat(),
        "episodes": episodes,
        "hydration": selectors.hydration_summary(week, series.goal_ml),
        "relief": selectors.relief_summary(week),
        "days": [d.as_json() for d in week],
        "factor_keys": [f.key for f in series.factors],
        "change": change,
        "factors": factors["results"],
        "factors_window": factors["window"],
        "context": context_items(user=user),
        "red_flags": selectors.red_flags(
            user=user,
            start=week_start,
            end=end,
            days=week,
            recent=series.between(window_end - dt.timedelta(days=13), window_end),
        ),
        "medication_changes": changes,
        "medicines": medication["medicines"],
        "reminders": selectors.reminders_summary(user=user, start=week_start, end=end),
    }


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
        # One INSERT, no transaction; a concurrent first read inserts the same row once.
        WeeklySnapshot.objects.bulk_create([snapshot], ignore_conflicts=True)
    version = snapshot.version
    data = weekly_report_build(user=user, week_start=week_start, today=today)
    now = timezone.now()
    saved = WeeklySnapshot.objects.filter(user=user, week_start=week_start, version=version).update(
        data=data, stale=False, generated_at=now
    )
    snapshot.data, snapshot.generated_at, snapshot.stale = data, now, not saved
    return snapshot


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
