"""The reminder pipeline: plans, the dispatcher over the Delivery outbox, sending,
one-tap actions and event reminders. Views, the API and the Celery tasks call these.

Guarantee: each (user, slot, channel) of a scheduled reminder is recorded once (a
unique constraint); each row is sent by whoever claims it with a conditional UPDATE.
A transport call can repeat only if a worker dies between sending and recording;
webhooks carry the delivery id as Idempotency-Key for that case. The in-app channel
writes its notification and the "sent" record in one transaction, so it is exactly once.
"""

import datetime as dt
import logging
import math
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from typing import NamedTuple
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Sum
from django.db.models.expressions import RawSQL
from django.template.loader import get_template, render_to_string
from django.urls import reverse
from django.utils import timezone

from reminders import push, slots
from reminders.channels import CHANNELS, ChannelError
from reminders.models import (
    ActionUse,
    Delivery,
    Kind,
    Notification,
    Plan,
    Prompt,
    PushSubscription,
    Status,
)
from tracker.diary import day_bounds, diary_day, local_to_utc
from tracker.logbook import advice
from tracker.logbook.models import Activity, Episode, Intake, Intensity

log = logging.getLogger(__name__)

LEASE = dt.timedelta(seconds=getattr(settings, "REMINDER_LEASE_SECONDS", 120))
MAX_ATTEMPTS = getattr(settings, "REMINDER_MAX_ATTEMPTS", 5)
CHUNK_SIZE = 500
PLAN_BATCH = 2000
PRUNE_AFTER = dt.timedelta(days=90)
EVENT_BACKFILL_LIMIT = dt.timedelta(hours=2)
ML_PER_FL_OZ = 29.5735
DRINK_ML = 250
SNOOZE = dt.timedelta(hours=1)
ACTION_MAX_AGE = dt.timedelta(hours=12)
ACTIONS = ("drink", "snooze")
UNSUBSCRIBE_SALT = "reminders.unsubscribe"


def _expiry() -> dt.timedelta:
    return dt.timedelta(minutes=settings.REMINDER_SLOT_EXPIRY_MINUTES)


def _retry_delay(attempts: int) -> dt.timedelta:
    # Short delays: the minute tick of the dispatcher's sweep is the backstop, and a
    # Redis countdown longer than the visibility timeout would be delivered repeatedly.
    base = getattr(settings, "REMINDER_RETRY_BASE_SECONDS", 15)
    return dt.timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), 300))


def _sweep_grace() -> dt.timedelta:
    # Rows the dispatcher enqueued a moment ago are not enqueued again by the sweep.
    return dt.timedelta(seconds=getattr(settings, "REMINDER_SWEEP_GRACE_SECONDS", 120))


# ---------------------------------------------------------------- plans


def schedule_of(plan, zone=None) -> slots.Schedule:
    return slots.Schedule(
        zone=zone or plan.user.zone,
        window_start=plan.window_start,
        window_end=plan.window_end,
        interval_minutes=plan.interval_minutes,
        quiet_days=frozenset(plan.quiet_days),
        checkin=plan.checkin_prompt,
    )


def _next_for(plan, *, after: dt.datetime, zone=None) -> slots.Slot | None:
    if plan.snoozed_until and plan.snoozed_until > after:
        # The first slot at or after the end of the snooze.
        after = plan.snoozed_until - dt.timedelta(microseconds=1)
    return slots.next_slot(after, schedule_of(plan, zone))


def _reschedule(plan: Plan, *, now: dt.datetime) -> None:
    nxt = _next_for(plan, after=now) if plan.enabled else None
    plan.next_due_at = nxt.at if nxt else None
    plan.next_prompt = nxt.prompt if nxt else Prompt.DRINK


def plan_get(*, user) -> Plan:
    """The user's plan, created with the defaults on first use."""
    plan = Plan.objects.filter(user=user).first()
    if plan is None:
        plan = Plan(user=user)
        _reschedule(plan, now=timezone.now())
        try:
            with transaction.atomic():
                plan.save()
        except IntegrityError:  # created meanwhile by another request
            plan = Plan.objects.get(user=user)
    return plan


PLAN_FIELDS = (
    "enabled",
    "window_start",
    "window_end",
    "interval_minutes",
    "smart",
    "checkin_prompt",
    "channels",
    "webhook_url",
    "quiet_days",
    "snoozed_until",
)


def plan_update(*, plan: Plan, **fields) -> Plan:
    unknown = set(fields) - set(PLAN_FIELDS)
    if unknown:
        raise ValidationError({name: "Unknown field." for name in sorted(unknown)})
    for name, value in fields.items():
        setattr(plan, name, value)
    if "webhook" in plan.channels and not plan.webhook_url:
        raise ValidationError({"webhook_url": "Give the address to POST to, or untick the webhook channel."})
    if plan.webhook_url:
        from reminders.outbound import url_allowed

        if reason := url_allowed(plan.webhook_url):
            raise ValidationError({"webhook_url": reason})
    plan.full_clean(exclude=["user", "webhook_secret", "next_due_at", "dispatch_token"])
    _reschedule(plan, now=timezone.now())
    plan.save()
    return plan


def plan_snooze(*, plan: Plan, until: dt.datetime | None) -> Plan:
    plan.snoozed_until = until
    _reschedule(plan, now=timezone.now())
    plan.save(update_fields=["snoozed_until", "next_due_at", "next_prompt", "updated_at"])
    return plan


def plan_snooze_for(*, plan: Plan, duration: dt.timedelta = SNOOZE) -> Plan:
    return plan_snooze(plan=plan, until=timezone.now() + duration)


def plan_snooze_rest_of_day(*, plan: Plan) -> Plan:
    user = plan.user
    today = diary_day(timezone.now(), user.zone, user.day_starts_at)
    return plan_snooze(plan=plan, until=day_bounds(today, user.zone, user.day_starts_at)[1])


# ---------------------------------------------------------------- dispatcher


@dataclass
class DispatchResult:
    plans_claimed: int = 0
    deliveries_created: int = 0
    enqueued: int = 0
    expired: int = 0
    requeued: int = 0


def reminders_dispatch(*, now: dt.datetime | None = None) -> DispatchResult:
    """One tick of the dispatcher. Safe to run twice at once: a plan is claimed by
    the UPDATE that moves its next_due_at from the value this run read."""
    now = now or timezone.now()
    result = DispatchResult()
    sweep_ids = deliveries_sweep(now=now, result=result)
    result.requeued = deliveries_enqueue(delivery_ids=sweep_ids)
    cursor = None
    while True:
        with transaction.atomic():
            ids, claimed, created, cursor = _dispatch_batch(now=now, cursor=cursor)
            if cursor is None:
                break
            result.plans_claimed += claimed
            result.deliveries_created += created
            transaction.on_commit(lambda ids=ids: _count_enqueued(result, deliveries_enqueue(delivery_ids=ids)))
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


def _ids(ids: list[int]):
    """An `id__in` value: on PostgreSQL one array parameter instead of thousands of
    placeholders (their parsing was a good share of a busy minute's dispatch)."""
    if connection.vendor == "postgresql":
        return RawSQL("SELECT unnest(%s::bigint[])", [list(ids)])
    return ids


def _dispatch_batch(*, now: dt.datetime, cursor: tuple | None) -> tuple[list[int], int, int, tuple | None]:
    """Claim one batch of due plans after `cursor` (keyset order on the plan_due_order
    index, so each batch starts where the last ended instead of stepping over every
    plan already claimed). Returns delivery ids, plans claimed, rows made, next cursor."""
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
    plans = [
        _DuePlan(*row)
        for row in due.order_by("next_due_at", "id").values_list(*_DuePlan._fields[:-1], "user__timezone")[:PLAN_BATCH]
    ]
    if not plans:
        return [], 0, 0, None
    next_cursor = (plans[-1].next_due_at, plans[-1].id)
    token = uuid.uuid4().hex
    groups: dict[tuple, list[int]] = defaultdict(list)
    # Plans due together mostly share a schedule: work each schedule's next slot out once.
    memo: dict[tuple, slots.Slot | None] = {}
    for plan in plans:
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
            memo[key] = _next_for(plan, after=max(plan.next_due_at, now), zone=ZoneInfo(plan.timezone))
        nxt = memo[key]
        groups[(plan.next_due_at, nxt.at if nxt else None, nxt.prompt if nxt else Prompt.DRINK)].append(plan.id)
    for (old, new, prompt), ids in groups.items():
        # The claim: only rows still due at the value read move, and get our token.
        # The id range lets PostgreSQL walk just this batch's stretch of the index.
        Plan.objects.filter(id__in=_ids(ids), enabled=True, next_due_at=old, id__gte=min(ids), id__lte=max(ids)).update(
            next_due_at=new, next_prompt=prompt, dispatch_token=token
        )
    batch_ids = [plan.id for plan in plans]
    mine = set(Plan.objects.filter(id__in=_ids(batch_ids), dispatch_token=token).values_list("id", flat=True))
    inserts: dict[tuple, list[int]] = defaultdict(list)
    for plan in plans:
        if plan.id not in mine:
            continue
        if plan.snoozed_until and plan.next_due_at < plan.snoozed_until:
            continue
        for channel in plan.channels:
            inserts[(plan.next_due_at, plan.next_prompt, channel)].append(plan.id)
    ids = []
    for (slot, prompt, channel), plan_ids in inserts.items():
        ids += _insert_deliveries(plan_ids=plan_ids, token=token, slot=slot, prompt=prompt, channel=channel, now=now)
    return ids, len(mine), len(ids), next_cursor


def _insert_deliveries(*, plan_ids, token, slot, prompt, channel, now) -> list[int]:
    """INSERT ... SELECT from the claimed plans, skipping any (user, slot, channel) that
    exists: a re-run of the same minute or a second dispatcher adds nothing. Returns
    the ids of the rows inserted."""
    ops = connection.ops
    table = ops.quote_name(Delivery._meta.db_table)
    plans = ops.quote_name(Plan._meta.db_table)
    columns = (
        "user_id, kind, prompt, slot, channel, status, attempts, claim_token, "
        "next_attempt_at, error, payload, created_at"
    )
    postgres = connection.vendor == "postgresql"
    empty_json = "'{}'::jsonb" if postgres else "'{}'"
    id_test = "= ANY(%s)" if postgres else f"IN ({', '.join(['%s'] * len(plan_ids))})"
    # Only table names and placeholders are formatted in; every value is a parameter.
    sql = (
        f"INSERT {'' if postgres else 'OR IGNORE '}INTO {table} ({columns}) "  # noqa: S608
        f"SELECT user_id, %s, %s, %s, %s, %s, 0, '', %s, '', {empty_json}, %s FROM {plans} "
        f"WHERE dispatch_token = %s AND id {id_test}"
        f"{' ON CONFLICT DO NOTHING' if postgres else ''} RETURNING id"
    )
    at = ops.adapt_datetimefield_value
    params = [Kind.SCHEDULED, prompt, at(slot), channel, Status.PENDING, at(now), at(now), token]
    params += [list(plan_ids)] if postgres else plan_ids
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


def deliveries_sweep(*, now: dt.datetime, result: DispatchResult | None = None) -> list[int]:
    """Recover what a lost message, a dead worker or a broker outage left behind."""
    cutoff = now - _expiry()
    lapsed = Delivery.objects.filter(status=Status.SENDING, claimed_until__lt=now)
    lapsed.filter(attempts__gte=MAX_ATTEMPTS).update(
        status=Status.FAILED, error=f"Gave up after {MAX_ATTEMPTS} attempts.", claimed_until=None
    )
    lapsed.update(status=Status.PENDING, claim_token="", claimed_until=None)
    Delivery.objects.filter(status=Status.PENDING, attempts__gte=MAX_ATTEMPTS).update(
        status=Status.FAILED, error=f"Gave up after {MAX_ATTEMPTS} attempts."
    )
    expired = Delivery.objects.filter(status=Status.PENDING, slot__lt=cutoff).update(
        status=Status.EXPIRED, error="Not sent in time; the moment had passed."
    )
    if result is not None:
        result.expired = expired
    return list(
        Delivery.objects.filter(status=Status.PENDING, next_attempt_at__lte=now - _sweep_grace())
        .order_by("id")
        .values_list("id", flat=True)
    )


def deliveries_enqueue(*, delivery_ids: list[int], countdown: float | None = None) -> int:
    """Publish delivery tasks in chunks. A broker error is logged, not raised: the
    rows stay pending and the next sweep publishes them."""
    from reminders.tasks import deliver

    sent = 0
    for start in range(0, len(delivery_ids), CHUNK_SIZE):
        chunk = delivery_ids[start : start + CHUNK_SIZE]
        try:
            deliver.apply_async(
                args=[chunk],
                countdown=countdown,
                expires=settings.REMINDER_SLOT_EXPIRY_MINUTES * 60 + (countdown or 0),
                retry=False,
            )
            sent += len(chunk)
        except Exception:
            log.exception("could not publish %d deliveries; the sweep will retry them", len(chunk))
            break
    return sent


# ---------------------------------------------------------------- sending


@dataclass
class Message:
    title: str
    text: str
    actions: list[dict] = field(default_factory=list)
    unsubscribe_url: str = ""
    html_context: dict = field(default_factory=dict)
    # Buttons on a push notification: {"action", "title", "url"} (reminders/push.py).
    push_actions: list[dict] = field(default_factory=list)

    @property
    def html(self) -> str:
        return render_to_string("reminders/email/reminder.html", self.html_context)


def format_volume(ml: float, units: str) -> str:
    if units == "us":
        return f"{round(ml / ML_PER_FL_OZ):,} fl oz"
    return f"{round(ml):,} ml"


@dataclass(frozen=True)
class Pace:
    so_far_ml: int
    goal_ml: int
    target_ml: int  # goal × elapsed share of the window at the slot
    suggest_ml: int  # what to drink now to stay on pace until the next slot

    @property
    def on_pace(self) -> bool:
        # At the very start of the window nothing is expected yet, and the first
        # reminder of the day is still wanted.
        return self.target_ml > 0 and self.so_far_ml >= self.target_ml

    @property
    def goal_reached(self) -> bool:
        return self.so_far_ml >= self.goal_ml


def window_share(at: dt.datetime, schedule: slots.Schedule) -> float:
    """The elapsed share (0..1) of the waking window that holds `at`, measured in
    UTC so a DST change inside the window counts real time."""
    local_day = at.astimezone(schedule.zone).date()
    for day in (local_day, local_day - dt.timedelta(days=1)):
        start = local_to_utc(dt.datetime.combine(day, schedule.window_start), schedule.zone)
        end_wall = dt.datetime.combine(day, schedule.window_end)
        if schedule.window_end <= schedule.window_start:
            end_wall += dt.timedelta(days=1)
        end = local_to_utc(end_wall, schedule.zone)
        if start <= at <= end and end > start:
            return (at - start) / (end - start)
    return 1.0


def pace_at(*, plan: Plan, at: dt.datetime, so_far_ml: int) -> Pace:
    schedule = schedule_of(plan)
    goal = plan.user.goal_ml
    share = window_share(at, schedule)
    next_share = min(1.0, share + (plan.interval_minutes * 60) / _window_seconds(schedule, at))
    target = round(goal * share)
    want = goal * next_share - so_far_ml
    # In glass-sized steps of 50 ml, never less than a few sips or more than a big glass.
    suggest = int(min(500, max(150, math.ceil(want / 50) * 50)))
    return Pace(so_far_ml=so_far_ml, goal_ml=goal, target_ml=target, suggest_ml=suggest)


def _window_seconds(schedule: slots.Schedule, at: dt.datetime) -> float:
    start = dt.datetime.combine(dt.date(2001, 1, 1), schedule.window_start)
    end = dt.datetime.combine(dt.date(2001, 1, 1), schedule.window_end)
    if end <= start:
        end += dt.timedelta(days=1)
    return (end - start).total_seconds()


def fluid_so_far(*, user, day: dt.date) -> int:
    return Intake.objects.for_user(user).filter(day=day).aggregate(total=Sum("effective_ml"))["total"] or 0


def _fluid_for(pairs: set[tuple[int, dt.date]]) -> dict[tuple[int, dt.date], int]:
    """Effective fluid per (user, diary day) for a chunk of deliveries, in one query."""
    if not pairs:
        return {}
    rows = (
        Intake.objects.filter(user_id__in={u for u, _ in pairs}, day__in={d for _, d in pairs})
        .values("user_id", "day")
        .annotate(total=Sum("effective_ml"))
    )
    return {(r["user_id"], r["day"]): r["total"] or 0 for r in rows}


@lru_cache(maxsize=8)
def _signer(action: str) -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=f"reminders.action.{action}")


@lru_cache(maxsize=8)
def _action_prefix(action: str) -> str:
    # reverse() once per action rather than once per reminder (hot in a busy minute).
    return reverse("reminders-action", args=[action, "TOKEN"]).removesuffix("TOKEN/")


@lru_cache(maxsize=16)
def _template(name: str):
    return get_template(name)


def action_token(*, user_id: int, slot: dt.datetime, action: str, ml: int = DRINK_ML, beverage: str = "water") -> str:
    data = {"u": user_id, "s": slot.isoformat(), "ml": ml}
    if beverage != "water":  # a drink preset's beverage; water links stay as they were
        data["b"] = beverage
    return _signer(action).sign_object(data)


def action_url(*, user_id: int, slot: dt.datetime, action: str, ml: int = DRINK_ML, beverage: str = "water") -> str:
    token = action_token(user_id=user_id, slot=slot, action=action, ml=ml, beverage=beverage)
    return f"{settings.SITE_URL}{_action_prefix(action)}{token}/"


def unsubscribe_url(*, user_id: int) -> str:
    token = signing.dumps({"u": user_id}, salt=UNSUBSCRIBE_SALT)
    return settings.SITE_URL + reverse("reminders-unsubscribe", args=[token])


def message_for(delivery: Delivery, *, pace: Pace | None) -> Message:
    user = delivery.user
    push_actions = []
    if delivery.kind == Kind.EVENT:
        context = {"payload": delivery.payload}
        title, text = delivery.payload.get("title", "Reminder"), delivery.payload.get("text", "")
        actions = []
    elif delivery.prompt == Prompt.CHECKIN:
        title = "How was your day?"
        link = settings.SITE_URL + reverse("today")
        text = _template("reminders/messages/checkin.txt").render({"link": link}).strip()
        actions = [{"label": "Add today's check-in", "url": link}]
        context = {"link": link}
    else:
        ml = pace.suggest_ml if pace else DRINK_ML
        amount = format_volume(ml, user.units)
        context = {
            "so_far": format_volume(pace.so_far_ml, user.units) if pace else None,
            "goal": format_volume(pace.goal_ml, user.units) if pace else None,
            "amount": amount,
            "test": delivery.kind == Kind.TEST,
        }
        title = "Test reminder: time for a drink" if delivery.kind == Kind.TEST else "Time for a drink"
        text = _template("reminders/messages/drink.txt").render(context).strip()
        actions = [
            {
                "label": f"I drank {amount}",
                "url": action_url(user_id=user.id, slot=delivery.slot, action="drink", ml=ml),
            },
            {"label": "Snooze 1 h", "url": action_url(user_id=user.id, slot=delivery.slot, action="snooze")},
        ]
        preset_ml, beverage = push.first_preset(user)
        push_actions = [
            {
                "action": "drink",
                "title": push.drank_title(format_volume(preset_ml, user.units), beverage),
                "url": action_url(user_id=user.id, slot=delivery.slot, action="drink", ml=preset_ml, beverage=beverage),
            },
            {"action": "snooze", "title": push.SNOOZE_TITLE, "url": actions[1]["url"]},
        ]
    unsubscribe = unsubscribe_url(user_id=user.id) if delivery.channel == "email" else ""
    html_context = {"title": title, "text": text, "actions": actions, "unsubscribe_url": unsubscribe, **context}
    return Message(
        title=title,
        text=text,
        actions=actions,
        unsubscribe_url=unsubscribe,
        html_context=html_context,
        push_actions=push_actions if delivery.channel == "push" else [],
    )


LOCAL_CHANNELS = {"in_app"}  # channels that only write to our own database


SEND_FIELDS = (
    "id",
    "user_id",
    "kind",
    "prompt",
    "slot",
    "channel",
    "attempts",
    "payload",
    "user__id",
    "user__email",
    "user__email_verified_at",
    "user__timezone",
    "user__day_starts_at",
    "user__units",
    "user__drink_presets",
    "user__daily_goal_ml",
    "user__body_weight_kg",
    "user__pregnancy_due_date",
    "user__reminder_plan__id",
    "user__reminder_plan__user_id",
    "user__reminder_plan__window_start",
    "user__reminder_plan__window_end",
    "user__reminder_plan__interval_minutes",
    "user__reminder_plan__smart",
    "user__reminder_plan__quiet_days",
    "user__reminder_plan__checkin_prompt",
)


def deliveries_claim(*, delivery_ids: list[int]) -> tuple[str, int]:
    """Claim the rows that are still pending, in time and with attempts left, with a
    lease; returns the claim token that marks them and how many were claimed. A
    conditional UPDATE: a row another worker claimed or that was sent is left alone."""
    now = timezone.now()
    token = uuid.uuid4().hex
    claimed = Delivery.objects.filter(
        id__in=_ids(delivery_ids),
        status=Status.PENDING,
        next_attempt_at__lte=now + dt.timedelta(seconds=1),
        slot__gte=now - _expiry(),
        attempts__lt=MAX_ATTEMPTS,
    ).update(status=Status.SENDING, claim_token=token, claimed_until=now + LEASE, attempts=F("attempts") + 1)
    return token, claimed


def deliveries_send(*, delivery_ids: list[int]) -> dict[str, int]:
    """Send the given rows that are still pending. In-app rows of the chunk are claimed
    together and recorded in the same transaction as their notifications; each other
    row is claimed just before its network call, so a lease covers one call."""
    counts: dict[str, int] = defaultdict(int)
    rows = list(
        Delivery.objects.filter(id__in=_ids(delivery_ids), status=Status.PENDING)
        .select_related("user", "user__reminder_plan")
        # Only what wording and pacing read: a chunk is hundreds of rows.
        .only(*SEND_FIELDS)
        .order_by("id")
    )
    if not rows:
        return counts
    days = {row.id: (row.user_id, diary_day(row.slot, row.user.zone, row.user.day_starts_at)) for row in rows}
    fluid = _fluid_for(set(days.values()))

    local = [row for row in rows if row.channel in LOCAL_CHANNELS]
    if local:
        token, _ = deliveries_claim(delivery_ids=[row.id for row in local])
        claimed = set(Delivery.objects.filter(claim_token=token, status=Status.SENDING).values_list("id", flat=True))
        with transaction.atomic():
            sending: dict[str, list[Delivery]] = defaultdict(list)
            for row in local:
                if row.id not in claimed:
                    continue
                if _prepare(row, fluid.get(days[row.id], 0)):
                    sending[row.channel].append(row)
                else:
                    counts["skipped"] += _record(row, token, status=Status.SKIPPED, error=row.error)
            for channel, batch in sending.items():
                CHANNELS[channel].send_many(batch)
            sent = [row.id for batch in sending.values() for row in batch]
            Delivery.objects.filter(id__in=_ids(sent), claim_token=token, status=Status.SENDING).update(
                status=Status.SENT, sent_at=timezone.now(), error="", claimed_until=None
            )
            counts["sent"] += len(sent)

    for row in rows:
        if row.channel in LOCAL_CHANNELS:
            continue
        token, claimed = deliveries_claim(delivery_ids=[row.id])
        if not claimed:
            continue
        row.attempts += 1
        if _prepare(row, fluid.get(days[row.id], 0)):
            counts[_send_one(row, token)] += 1
        else:
            counts["skipped"] += _record(row, token, status=Status.SKIPPED, error=row.error)
    return counts


def _prepare(row: Delivery, so_far_ml: int) -> bool:
    """Word the message onto the row, or say why the slot is skipped (smart pacing)."""
    plan = getattr(row.user, "reminder_plan", None)
    pace = None
    if plan is not None and row.kind != Kind.EVENT and row.prompt == Prompt.DRINK:
        pace = pace_at(plan=plan, at=row.slot, so_far_ml=so_far_ml)
        if row.kind == Kind.SCHEDULED and plan.smart and (pace.goal_reached or pace.on_pace):
            row.error = "Goal reached for today." if pace.goal_reached else "On pace; this reminder was skipped."
            return False
    row.message = message_for(row, pace=pace)
    return True


def _record(row: Delivery, token: str, **fields) -> bool:
    fields.setdefault("claimed_until", None)
    return Delivery.objects.filter(id=row.id, claim_token=token, status=Status.SENDING).update(**fields) == 1


def _send_one(row: Delivery, token: str) -> str:
    channel = CHANNELS.get(row.channel)
    try:
        if channel is None:
            raise ChannelError(f"Unknown channel {row.channel!r}", permanent=True)
        channel.send(row)
    except ChannelError as error:
        return _record_failure(row, token, error.message, permanent=error.permanent)
    except Exception as error:  # a bug or an unexpected library error: retry, and log it
        log.exception("delivery %s failed unexpectedly", row.id)
        return _record_failure(row, token, f"Unexpected error: {error}", permanent=False)
    _record(row, token, status=Status.SENT, sent_at=timezone.now(), error="")
    return "sent"


def _record_failure(row: Delivery, token: str, message: str, *, permanent: bool) -> str:
    if permanent or row.attempts >= MAX_ATTEMPTS:
        _record(row, token, status=Status.FAILED, error=message[:2000])
        return "failed"
    delay = _retry_delay(row.attempts)
    _record(row, token, status=Status.PENDING, error=message[:2000], next_attempt_at=timezone.now() + delay)
    deliveries_enqueue(delivery_ids=[row.id], countdown=delay.total_seconds())
    return "retry"


# ---------------------------------------------------------------- test and event reminders


def _create_and_enqueue(
    *, user, kind: str, prompt: str, channels: list[str], payload: dict | None = None
) -> list[Delivery]:
    now = timezone.now()
    rows = [
        Delivery.objects.create(
            user=user, kind=kind, prompt=prompt, slot=now, channel=channel, payload=payload or {}, next_attempt_at=now
        )
        for channel in channels
    ]
    ids = [row.id for row in rows]
    transaction.on_commit(lambda: deliveries_enqueue(delivery_ids=ids))
    return rows


def delivery_test_send(*, user) -> list[Delivery]:
    """A reminder now, through the real pipeline, on each of the plan's channels."""
    plan = plan_get(user=user)
    if not plan.channels:
        raise ValidationError({"channels": "Choose at least one channel first."})
    with transaction.atomic():
        return _create_and_enqueue(user=user, kind=Kind.TEST, prompt=Prompt.DRINK, channels=plan.channels)


def event_reminders_for_entry(*, entry) -> None:
    """After a new logbook entry: an electrolyte cue after hard, sweaty exercise;
    tips (and any red-flag message) after a cramp. Not for entries logged long after
    the fact. Runs inside the logbook's transaction; the tasks go out after commit."""
    if isinstance(entry, Activity):
        if not (entry.intensity == Intensity.VIGOROUS or entry.heavy_sweating):
            return
        instant = entry.started_at + dt.timedelta(minutes=entry.duration_minutes)
        payload = {"title": "Replace what you sweated out", "text": advice.ELECTROLYTE_CUE, "event": "electrolytes"}
    elif isinstance(entry, Episode):
        instant = entry.started_at
        lines = list(advice.CRAMP_TIPS)
        flag = advice.red_flag_message(entry.symptoms, pregnant=entry.user.is_pregnant)
        if flag:
            lines.insert(0, flag)
        payload = {"title": "After a cramp", "text": "\n".join(lines), "event": "cramp", "red_flag": bool(flag)}
    else:
        return
    if instant < timezone.now() - EVENT_BACKFILL_LIMIT:
        return
    plan = plan_get(user=entry.user)
    if not plan.enabled or not plan.channels:
        return
    _create_and_enqueue(user=entry.user, kind=Kind.EVENT, prompt=Prompt.EVENT, channels=plan.channels, payload=payload)


# ---------------------------------------------------------------- one-tap actions and unsubscribe


class ActionRefused(Exception):
    pass


@dataclass(frozen=True)
class ActionRequest:
    action: str
    user_id: int
    slot: dt.datetime
    ml: int
    beverage: str = "water"


def action_read(*, action: str, token: str) -> ActionRequest:
    if action not in ACTIONS:
        raise ActionRefused("This link is not valid.")
    try:
        data = _signer(action).unsign_object(token, max_age=ACTION_MAX_AGE)
    except signing.SignatureExpired as error:
        raise ActionRefused("This link has expired. Log your drink in the app instead.") from error
    except signing.BadSignature as error:
        raise ActionRefused("This link is not valid; it may have been changed or cut short.") from error
    return ActionRequest(
        action=action,
        user_id=data["u"],
        slot=dt.datetime.fromisoformat(data["s"]),
        ml=int(data["ml"]),
        beverage=str(data.get("b", "water")),
    )


def action_perform(*, action: str, token: str) -> tuple[bool, str]:
    """Carry out a one-tap action once. Returns (done now, what happened)."""
    from accounts.models import User
    from tracker.logbook.services import intake_log

    request = action_read(action=action, token=token)
    user = User.objects.filter(pk=request.user_id, is_active=True).first()
    if user is None:
        raise ActionRefused("This link is not valid.")
    try:
        with transaction.atomic():
            ActionUse.objects.create(user=user, slot=request.slot, action=action)
            if action == "drink":
                intake = intake_log(user=user, taken_at=timezone.now(), volume_ml=request.ml, beverage=request.beverage)
                done = f"Logged {format_volume(request.ml, user.units)} of {intake.get_beverage_display().lower()}."
            else:
                plan_snooze_for(plan=plan_get(user=user))
                done = "Reminders snoozed for an hour."
    except IntegrityError:
        return False, "Already done: this link was used before, so nothing was logged again."
    return True, done


def unsubscribe_read(*, token: str) -> int:
    try:
        return signing.loads(token, salt=UNSUBSCRIBE_SALT)["u"]
    except signing.BadSignature as error:
        raise ActionRefused("This link is not valid.") from error


def email_unsubscribe(*, token: str) -> None:
    user_id = unsubscribe_read(token=token)
    plan = Plan.objects.filter(user_id=user_id).first()
    if plan and "email" in plan.channels:
        plan.channels = [c for c in plan.channels if c != "email"]
        plan.save(update_fields=["channels", "updated_at"])


# ---------------------------------------------------------------- misc


def notifications_mark_read(*, user, ids: list[int] | None = None) -> int:
    qs = Notification.objects.for_user(user).unread()
    if ids is not None:
        qs = qs.filter(id__in=ids)
    return qs.update(read=True)


def push_subscribe(*, user, endpoint: str, p256dh: str, auth: str) -> PushSubscription:
    from reminders.outbound import url_allowed

    if reason := url_allowed(endpoint):
        raise ValidationError({"endpoint": reason})
    subscription, _ = PushSubscription.objects.update_or_create(
        endpoint=endpoint, defaults={"user": user, "p256dh": p256dh, "auth": auth}
    )
    return subscription


def push_unsubscribe(*, user, endpoint: str) -> int:
    return PushSubscription.objects.for_user(user).filter(endpoint=endpoint).delete()[0]


def deliveries_prune(*, now: dt.datetime | None = None) -> int:
    cutoff = (now or timezone.now()) - PRUNE_AFTER
    return Delivery.objects.filter(created_at__lt=cutoff).delete()[0]
