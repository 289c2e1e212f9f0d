"""The dispatcher over the Delivery outbox: one tick a minute claims due plans, records
their deliveries and publishes them; the sweep recovers what a lost message, a dead
worker or a broker outage left behind; old rows are pruned.

Safe if two ticks run at once: a plan is claimed by the UPDATE that moves its
next_due_at from the value this run read, and a (user, slot, channel) is recorded once
(a unique constraint), however often it is inserted."""

import datetime as dt
import logging
import uuid
from collections import defaultdict
from dataclasses import dataclass
from typing import NamedTuple
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.db.models.expressions import RawSQL
from django.utils import timezone

from reminders import plans, slots
from reminders.models import Delivery, Kind, Notification, Plan, Prompt, Status
from tracker.celery import app as celery_app

log = logging.getLogger(__name__)

MAX_ATTEMPTS = getattr(settings, "REMINDER_MAX_ATTEMPTS", 5)
CHUNK_SIZE = 500
PLAN_BATCH = 2000
PRUNE_AFTER = dt.timedelta(days=90)
PRUNE_BATCH = 5000
LOCAL_CHANNELS = frozenset({"in_app"})  # channels that only write to our own database
# In-app rows go in chunks on the default queue; each network row is a task of its own
# on the outbound queue, so one slow receiver holds up nobody but its own user.
DELIVER_TASK = "reminders.tasks.deliver"
DELIVER_OUTBOUND_TASK = "reminders.tasks.deliver_outbound"
OUTBOUND_CHUNK_SIZE = 1


def is_outbound(channel: str) -> bool:
    return channel not in LOCAL_CHANNELS


def slot_expiry() -> dt.timedelta:
    return dt.timedelta(minutes=settings.REMINDER_SLOT_EXPIRY_MINUTES)


def ids_param(ids: list[int]):
    """An `id__in` value: on PostgreSQL one array parameter instead of thousands of
    placeholders (their parsing was a good share of a busy minute's dispatch)."""
    if connection.vendor == "postgresql":
        # As an array literal: psycopg would otherwise quote the list element by element
        # in Python, a tenth of a worker's CPU in a busy minute.
        return RawSQL("SELECT unnest(%s::bigint[])", ["{" + ",".join(str(int(i)) for i in ids) + "}"])
    return ids


@dataclass
class DispatchResult:
    plans_claimed: int = 0
    deliveries_created: int = 0
    enqueued: int = 0
    expired: int = 0
    requeued: int = 0


def reminders_dispatch(*, now: dt.datetime | None = None) -> DispatchResult:
    """One tick of the dispatcher: sweep, then claim due plans batch by batch, each
    batch's deliveries published after its commit."""
    now = now or timezone.now()
    result = DispatchResult()
    result.requeued = deliveries_enqueue_rows(rows=deliveries_sweep(now=now, result=result))
    cursor = None
    while True:
        with transaction.atomic():
            rows, claimed, cursor = _dispatch_batch(now=now, cursor=cursor)
            if cursor is None:
                break
            result.plans_claimed += claimed
            result.deliveries_created += len(rows)
            transaction.on_commit(lambda rows=rows: _count_enqueued(result, deliveries_enqueue_rows(rows=rows)))
    return result


def _count_enqueued(result: DispatchResult, n: int) -> None:
    result.enqueued += n


class _DuePlan(NamedTuple):
    id: int
    user_id: int
    next_due_at: dt.datetime
    next_prompt: str
    channels: list
    snoozed_until: dt.datetime | None
    window_start: dt.time
    window_end: dt.time
    interval_minutes: int
    quiet_days: list
    checkin_prompt: bool
    timezone: str
    active: bool


def _dispatch_batch(*, now: dt.datetime, cursor: tuple | None) -> tuple[list[tuple[int, str]], int, tuple | None]:
    """Claim one batch of due plans after `cursor` (keyset order on the plan_due_order
    index, so each batch starts where the last ended instead of stepping over every
    plan already claimed). Returns the (id, channel) of the rows made, the number of
    plans claimed and the next cursor."""
    due = Plan.objects.filter(enabled=True, next_due_at__lte=now)
    if cursor is not None:
        # A row-value comparison (PostgreSQL and SQLite both have it) gives the index one
        # starting point; the equivalent OR of two conditions makes PostgreSQL scan from
        # the first due plan again, past every plan this run already claimed.
        table = connection.ops.quote_name(Plan._meta.db_table)
        due = due.extra(  # noqa: S610
            where=[f"({table}.next_due_at, {table}.id) > (%s, %s)"],
            params=[connection.ops.adapt_datetimefield_value(cursor[0]), cursor[1]],
        )
    # Plain tuples, not model instances: at 100k plans a minute the ORM's per-object
    # cost would be most of the dispatcher's time.
    batch = [
        _DuePlan(*row)
        for row in due.order_by("next_due_at", "id").values_list(
            *_DuePlan._fields[:-2], "user__timezone", "user__is_active"
        )[:PLAN_BATCH]
    ]
    if not batch:
        return [], 0, None
    next_cursor = (batch[-1].next_due_at, batch[-1].id)
    token = uuid.uuid4().hex
    groups: dict[tuple, list[int]] = defaultdict(list)
    # Plans due together mostly share a schedule: work each schedule's next slot out once.
    memo: dict[tuple, slots.Slot | None] = {}
    for plan in batch:
        key = (
            plan.next_due_at,
            plan.snoozed_until,
            plan.window_start,
            plan.window_end,
            plan.interval_minutes,
            tuple(plan.quiet_days),
            plan.checkin_prompt,
            plan.timezone,
        )
        if key not in memo:
            memo[key] = plans.next_slot_for(plan, after=max(plan.next_due_at, now), zone=ZoneInfo(plan.timezone))
        nxt = memo[key]
        groups[(plan.next_due_at, nxt.at if nxt else None, nxt.prompt if nxt else Prompt.DRINK)].append(plan.id)
    for (old, new, prompt), ids in groups.items():
        # The claim: only rows still due at the value read move, and get our token.
        # The id range lets PostgreSQL walk just this batch's stretch of the index.
        Plan.objects.filter(
            id__in=ids_param(ids), enabled=True, next_due_at=old, id__gte=min(ids), id__lte=max(ids)
        ).update(next_due_at=new, next_prompt=prompt, dispatch_token=token)
    batch_ids = [plan.id for plan in batch]
    mine = set(Plan.objects.filter(id__in=ids_param(batch_ids), dispatch_token=token).values_list("id", flat=True))
    inserts: dict[tuple, list[int]] = defaultdict(list)
    for plan in batch:
        if plan.id not in mine:
            continue
        # A deactivated account's plan moves on like any other (so it is not read again
        # every minute) but records nothing.
        if not plan.active or (plan.snoozed_until and plan.next_due_at < plan.snoozed_until):
            continue
        for channel in plan.channels:
            inserts[(plan.next_due_at, plan.next_prompt, channel)].append(plan.id)
    rows = []
    for (slot, prompt, channel), plan_ids in inserts.items():
        ids = _insert_deliveries(plan_ids=plan_ids, token=token, slot=slot, prompt=prompt, channel=channel, now=now)
        rows += [(delivery_id, channel) for delivery_id in ids]
    return rows, len(mine), next_cursor


def _insert_deliveries(*, plan_ids, token, slot, prompt, channel, now) -> list[int]:
    """INSERT ... SELECT from the claimed plans, skipping any (user, slot, channel) that
    exists: a re-run of the same minute or a second dispatcher adds nothing. Returns
    the ids of the rows inserted, marked as queued now (they are published after commit)."""
    ops = connection.ops
    table = ops.quote_name(Delivery._meta.db_table)
    plan_table = ops.quote_name(Plan._meta.db_table)
    columns = (
        "user_id, kind, prompt, slot, channel, status, attempts, claim_token, "
        "next_attempt_at, error, payload, created_at, queued_at"
    )
    postgres = connection.vendor == "postgresql"
    empty_json = "'{}'::jsonb" if postgres else "'{}'"
    id_test = "= ANY(%s)" if postgres else f"IN ({', '.join(['%s'] * len(plan_ids))})"
    # Only table names and placeholders are formatted in; every value is a parameter.
    sql = (
        f"INSERT {'' if postgres else 'OR IGNORE '}INTO {table} ({columns}) "  # noqa: S608
        f"SELECT user_id, %s, %s, %s, %s, %s, 0, '', %s, '', {empty_json}, %s, %s FROM {plan_table} "
        f"WHERE dispatch_token = %s AND id {id_test}"
        f"{' ON CONFLICT DO NOTHING' if postgres else ''} RETURNING id"
    )
    at = ops.adapt_datetimefield_value
    params = [Kind.SCHEDULED, prompt, at(slot), channel, Status.PENDING, at(now), at(now), at(now), token]
    params += [list(plan_ids)] if postgres else plan_ids
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


def deliveries_sweep(*, now: dt.datetime, result: DispatchResult | None = None) -> list[tuple[int, str]]:
    """Recover what a lost message, a dead worker or a broker outage left behind.
    Returns the (id, channel) of the pending rows to publish again: those whose last
    publish is older than REMINDER_REQUEUE_AFTER_SECONDS (or failed), oldest first, at
    most REMINDER_SWEEP_LIMIT a tick. Rows still waiting in the queue behind a backlog
    are not published again, so a backlog never grows the queue every minute."""
    cutoff = now - slot_expiry()
    lapsed = Delivery.objects.filter(status=Status.SENDING, claimed_until__lt=now)
    lapsed.filter(attempts__gte=MAX_ATTEMPTS).update(
        status=Status.FAILED, error=f"Gave up after {MAX_ATTEMPTS} attempts.", claimed_until=None
    )
    # Its message went with the worker that claimed it: publish it again at once.
    lapsed.update(status=Status.PENDING, claim_token="", claimed_until=None, queued_at=None)
    Delivery.objects.filter(status=Status.PENDING, attempts__gte=MAX_ATTEMPTS).update(
        status=Status.FAILED, error=f"Gave up after {MAX_ATTEMPTS} attempts."
    )
    expired = Delivery.objects.filter(status=Status.PENDING, slot__lt=cutoff).update(
        status=Status.EXPIRED, error="Not sent in time; the moment had passed."
    )
    if result is not None:
        result.expired = expired
    stale = Q(queued_at__isnull=True) | Q(
        queued_at__lte=now - dt.timedelta(seconds=settings.REMINDER_REQUEUE_AFTER_SECONDS)
    )
    waiting = Delivery.objects.filter(stale, status=Status.PENDING, next_attempt_at__lte=now)
    rows = list(waiting.order_by("id").values_list("id", "channel")[: settings.REMINDER_SWEEP_LIMIT])
    if not rows:
        return []
    # Claimed like everything else: of two sweeps at once, each row goes to one.
    ids = [delivery_id for delivery_id, _ in rows]
    waiting.filter(id__in=ids_param(ids)).update(queued_at=now)
    mine = set(Delivery.objects.filter(id__in=ids_param(ids), queued_at=now).values_list("id", flat=True))
    return [(delivery_id, channel) for delivery_id, channel in rows if delivery_id in mine]


def deliveries_enqueue_rows(*, rows: list[tuple[int, str]], countdown: float | None = None) -> int:
    """Publish (id, channel) rows, each on its channel's queue."""
    local = [delivery_id for delivery_id, channel in rows if not is_outbound(channel)]
    outbound = [delivery_id for delivery_id, channel in rows if is_outbound(channel)]
    sent = deliveries_enqueue(delivery_ids=local, countdown=countdown) if local else 0
    if outbound:
        sent += deliveries_enqueue(delivery_ids=outbound, outbound=True, countdown=countdown)
    return sent


def deliveries_enqueue(*, delivery_ids: list[int], outbound: bool = False, countdown: float | None = None) -> int:
    """Publish delivery tasks in chunks. A broker error is logged, not raised: the rows
    stay pending, marked as never queued, and the next sweep publishes them."""
    sent = 0
    size = OUTBOUND_CHUNK_SIZE if outbound else CHUNK_SIZE
    for start in range(0, len(delivery_ids), size):
        chunk = delivery_ids[start : start + size]
        try:
            # By name, so this module need not import the tasks that call it; the
            # outbound task is routed to its own queue (CELERY_TASK_ROUTES).
            celery_app.send_task(
                DELIVER_OUTBOUND_TASK if outbound else DELIVER_TASK,
                args=[chunk],
                countdown=countdown,
                expires=settings.REMINDER_SLOT_EXPIRY_MINUTES * 60 + (countdown or 0),
                retry=False,
            )
            sent += len(chunk)
        except Exception:
            unsent = delivery_ids[start:]
            log.exception("could not publish %d deliveries; the sweep will retry them", len(unsent))
            Delivery.objects.filter(id__in=ids_param(unsent), status=Status.PENDING).update(queued_at=None)
            break
    return sent


def reminders_prune(*, now: dt.datetime | None = None) -> tuple[int, int]:
    """Delete deliveries past PRUNE_AFTER and notifications past their retention, in
    id-bounded batches (a short transaction each, never all old rows at once).
    Returns (deliveries, notifications) deleted."""
    now = now or timezone.now()
    retention = dt.timedelta(days=settings.REMINDER_NOTIFICATION_RETENTION_DAYS)
    # Notifications first: a delivery deleted after its notification has nothing to unlink.
    notifications = _prune(Notification, created_before=now - retention)
    deliveries = _prune(Delivery, created_before=now - PRUNE_AFTER)
    return deliveries, notifications


def _prune(model, *, created_before: dt.datetime) -> int:
    old = model.objects.filter(created_at__lt=created_before)
    deleted = 0
    while True:
        # The id of the last row of the next batch bounds the DELETE to that batch.
        ids = list(old.order_by("id").values_list("id", flat=True)[:PRUNE_BATCH])
        if not ids:
            return deleted
        with transaction.atomic():
            deleted += old.filter(id__gte=ids[0], id__lte=ids[-1]).delete()[1].get(model._meta.label, 0)
