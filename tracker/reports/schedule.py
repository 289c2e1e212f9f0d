"""Weekly report emails, claimed per user rather than swept by the clock.

Each user has a `ReportSchedule` row with the instant their next report is due (their
local week start, 07:00). The beat sweep, every few minutes:

1. gives every active user without a row one, due at their next week start;
2. claims due rows with a conditional UPDATE that moves `next_report_at` from the value
   it read and records the owed week in the same statement (healthchecks'
   sendreports) — a run late by hours or days still finds the row due, so a report
   missed during an outage is built and sent late, once;
3. publishes owed rows whose lease or backoff has lapsed, in chunks, after taking a
   lease on them. A broker error is logged; the lease lapses and a later sweep
   publishes them again.

A worker builds and emails each user of a chunk on its own: one user's failure is
recorded on that user's row (attempts, error, a backoff) and the others go on; only
the failed are retried. The email itself is claimed on its snapshot
(`weekly_report_email_send`), so a chunk delivered twice sends nothing twice.
"""

import datetime as dt
import logging
from collections import defaultdict
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Case, F, Q, When
from django.utils import timezone

from accounts.models import User
from tracker.diary import local_to_utc
from tracker.reports.models import ReportSchedule
from tracker.reports.services import weekly_report_email_send, weekly_snapshot_get, weekly_snapshots_get
from tracker.reports.weeks import week_start_of

log = logging.getLogger(__name__)

SEND_TIME = dt.time(7, 0)
CLAIM_BATCH = 1000
PUBLISH_BATCH = 5000
# A chunk's snapshots are built with a constant number of queries (services.
# weekly_snapshots_get), so bigger chunks spread those over more users; 200 builds take
# a few seconds, plus each email.
PUBLISH_CHUNK = 200
# Longer than a chunk takes; after it a later sweep publishes the chunk again.
LEASE = dt.timedelta(minutes=20)
MAX_ATTEMPTS = 5
BACKOFF = dt.timedelta(minutes=15)


def _fire_at(week_start: dt.date, zone: ZoneInfo) -> dt.datetime:
    return local_to_utc(dt.datetime.combine(week_start, SEND_TIME), zone)


def report_due_after(now: dt.datetime, *, zone: ZoneInfo, week_starts_on: str) -> dt.datetime:
    """The first local week start, 07:00, after `now` (on the wall clock, so DST-safe)."""
    start = week_start_of(now.astimezone(zone).date(), week_starts_on)
    while _fire_at(start, zone) <= now:
        start += dt.timedelta(days=7)
    return _fire_at(start, zone)


def report_week_owed(now: dt.datetime, *, zone: ZoneInfo, week_starts_on: str) -> dt.date:
    """The week whose report was due most recently by `now`: the week before the one
    whose 07:00 start passed last. After a long outage that is the latest complete week
    (one email catches up, not one per missed week)."""
    start = week_start_of(now.astimezone(zone).date(), week_starts_on)
    if _fire_at(start, zone) > now:
        start -= dt.timedelta(days=7)
    return start - dt.timedelta(days=7)


def schedules_create_missing(*, now: dt.datetime) -> int:
    """A schedule row for every active user who has none (new accounts), due at their
    next week start. Conflicts are ignored, so two sweeps may run this at once."""
    created = 0
    missing = (
        User.objects.filter(is_active=True, report_schedule__isnull=True)
        .order_by("id")
        .values_list("id", "timezone", "week_starts_on")
    )
    due: dict[tuple[str, str], dt.datetime] = {}
    rows = []
    for user_id, tz_name, starts_on in missing.iterator(chunk_size=2000):
        key = (tz_name, starts_on)
        if key not in due:
            due[key] = report_due_after(now, zone=ZoneInfo(tz_name), week_starts_on=starts_on)
        rows.append(ReportSchedule(user_id=user_id, next_report_at=due[key]))
    if rows:
        created = len(ReportSchedule.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True))
    return created


def reports_claim(*, now: dt.datetime) -> int:
    """Claim every due row: one conditional UPDATE per (read instant, timezone, week
    start) group moves the rows it read to their next due instant and records the owed
    week. A row another sweep moved first no longer matches and is left to it."""
    claimed = 0
    while True:
        due = list(
            ReportSchedule.objects.filter(next_report_at__lte=now)
            .order_by("next_report_at", "user_id")
            .values_list("user_id", "next_report_at", "user__timezone", "user__week_starts_on")[:CLAIM_BATCH]
        )
        if not due:
            return claimed
        groups: dict[tuple, list[int]] = defaultdict(list)
        for user_id, read_at, tz_name, starts_on in due:
            groups[(read_at, tz_name, starts_on)].append(user_id)
        for (read_at, tz_name, starts_on), ids in groups.items():
            zone = ZoneInfo(tz_name)
            claimed += ReportSchedule.objects.filter(user_id__in=ids, next_report_at=read_at).update(
                next_report_at=report_due_after(now, zone=zone, week_starts_on=starts_on),
                owed_week=report_week_owed(now, zone=zone, week_starts_on=starts_on),
                retry_at=now,
                attempts=0,
                last_error="",
            )


def reports_publish(*, now: dt.datetime) -> int:
    """Publish the owed rows whose lease or backoff has lapsed, in chunks, each after a
    lease is taken on its rows. Returns how many users were handed to the broker."""
    published = 0
    while True:
        ids = list(
            ReportSchedule.objects.filter(owed_week__isnull=False, retry_at__lte=now)
            .order_by("retry_at", "user_id")
            .values_list("user_id", flat=True)[:PUBLISH_BATCH]
        )
        if not ids:
            return published
        ReportSchedule.objects.filter(user_id__in=ids, owed_week__isnull=False, retry_at__lte=now).update(
            retry_at=now + LEASE
        )
        for i in range(0, len(ids), PUBLISH_CHUNK):
            chunk = ids[i : i + PUBLISH_CHUNK]
            transaction.on_commit(lambda chunk=chunk: _publish(chunk))
            published += len(chunk)


def _publish(user_ids: list[int]) -> None:
    from tracker.reports.tasks import weekly_reports_deliver

    try:
        weekly_reports_deliver.delay(user_ids)
    except Exception:  # kombu raises several kinds of connection error
        # The rows stay owed; their lease lapses and a later sweep publishes them again.
        log.warning("broker unavailable; %s weekly reports wait for the next sweep", len(user_ids))


def weekly_reports_sweep(*, now: dt.datetime | None = None) -> int:
    now = now or timezone.now()
    schedules_create_missing(now=now)
    reports_claim(now=now)
    return reports_publish(now=now)


def _week_has_data(data: dict) -> bool:
    return any(d["observed"] or d["fluid_ml"] for d in data.get("days", []))


def report_deliver(*, user_id: int) -> str:
    """Build and email one user's owed report, on its own (reports_deliver does a chunk).
    Returns "sent", "skipped", "failed" or "none"."""
    row = ReportSchedule.objects.select_related("user").filter(user_id=user_id, owed_week__isnull=False).first()
    if row is None:
        return "none"
    outcome = _deliver(row, None)
    if outcome != "failed":
        _done([row], sent={row.user_id} if outcome == "sent" else set())
    return outcome


def _deliver(row: ReportSchedule, snapshot) -> str:
    """Email one user's owed report from its snapshot (built alone when the chunk's
    build gave none). Any exception is recorded on the user's row with a backoff (the
    last attempt gives up), never raised, so it cannot cancel the rest of the chunk."""
    week, user = row.owed_week, row.user
    try:
        sent = False
        if user.is_active:
            if isinstance(snapshot, Exception):
                raise snapshot
            if snapshot is None:
                snapshot = weekly_snapshot_get(user=user, week_start=week)
            if _week_has_data(snapshot.data):
                sent = weekly_report_email_send(user=user, snapshot=snapshot)
    except Exception as error:
        attempts = row.attempts + 1
        # Ids and the kind of error only: the message may name the address.
        log.warning("weekly report failed user=%s week=%s attempt=%s error=%s", user.pk, week, attempts, type(error))
        changes = {
            "attempts": attempts,
            "last_error": f"{type(error).__name__}: {error}"[:300],
            "retry_at": timezone.now() + BACKOFF * 2 ** (attempts - 1),
        }
        if attempts >= MAX_ATTEMPTS:
            changes["owed_week"] = None
        ReportSchedule.objects.filter(user_id=user.pk, owed_week=week).update(**changes)
        return "failed"
    return "sent" if sent else "skipped"


def _done(rows: list[ReportSchedule], *, sent: set[int]) -> None:
    """Clear the owed week of every row done (sent, or nothing to send) in one UPDATE,
    each only while it still owes the week read (a later claim is left alone)."""
    by_week: dict[dt.date, list[int]] = defaultdict(list)
    for row in rows:
        by_week[row.owed_week].append(row.user_id)
    if not by_week:
        return
    owed = Q()
    for week, ids in by_week.items():
        owed |= Q(user_id__in=ids, owed_week=week)
    ReportSchedule.objects.filter(owed).update(
        owed_week=None,
        retry_at=None,
        attempts=0,
        last_error="",
        # The right-hand side reads the row as it was: the week just sent.
        last_sent_week=Case(When(user_id__in=sorted(sent), then=F("owed_week")), default=F("last_sent_week")),
    )


def reports_deliver(*, user_ids: list[int]) -> int:
    """A chunk of users: their snapshots built together (weekly_snapshots_get: a
    constant number of queries for the chunk), then each user emailed on their own;
    the rows with nothing to send are cleared together. Returns how many emails went
    out."""
    rows = list(ReportSchedule.objects.select_related("user").filter(user_id__in=user_ids, owed_week__isnull=False))
    try:
        snapshots = weekly_snapshots_get(weeks=[(row.user, row.owed_week) for row in rows if row.user.is_active])
    except Exception:
        # A read of the whole chunk failed: each user is built on their own instead.
        log.warning("weekly reports: chunk build failed; building %s users one by one", len(rows), exc_info=True)
        snapshots = {}
    sent, skipped = 0, []
    for row in rows:
        outcome = _deliver(row, snapshots.get(row.user_id))
        if outcome == "sent":
            # Recorded at once: a worker lost later in the chunk leaves no sent email owed.
            _done([row], sent={row.user_id})
            sent += 1
        elif outcome == "skipped":
            skipped.append(row)
    _done(skipped, sent=set())
    return sent
