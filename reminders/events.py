"""Reminders that are not on the schedule: the test button, and event reminders after a
logbook entry (an electrolyte cue after hard, sweaty exercise; tips after a cramp).
They go through the same outbox and pipeline as scheduled ones."""

import datetime as dt
import functools
import json
import math

from django.core.exceptions import ValidationError
from django.db import connections, transaction
from django.db.models import Q
from django.utils import timezone

from reminders import dispatch
from reminders.channels import CHANNELS
from reminders.models import Delivery, Kind, Notification, Plan, Prompt, Status, default_channels
from reminders.plans import plan_get
from reminders.wording import event_wording, message_for
from tracker.logbook import advice
from tracker.logbook.models import Activity, Episode, Intensity
from tracker.logbook.signals import statement_name

EVENT_BACKFILL_LIMIT = dt.timedelta(hours=2)
TEST_SEND_EVERY = dt.timedelta(minutes=1)
IN_APP = "in_app"


class SendTooSoon(Exception):
    """A test reminder went out less than a minute ago."""

    def __init__(self, retry_after: int):
        self.retry_after = retry_after
        super().__init__(f"One test reminder a minute: try again in {retry_after} s.")


def _create_and_enqueue(
    *, user, kind: str, prompt: str, channels: list[str], payload: dict | None = None
) -> list[Delivery]:
    now = timezone.now()
    rows = [
        Delivery.objects.create(
            user=user,
            kind=kind,
            prompt=prompt,
            slot=now,
            channel=channel,
            payload=payload or {},
            next_attempt_at=now,
            queued_at=now,
        )
        for channel in channels
    ]
    published = [(row.id, row.channel) for row in rows]
    transaction.on_commit(lambda: dispatch.deliveries_enqueue_rows(rows=published))
    return rows


def delivery_test_send(*, user) -> list[Delivery]:
    """A reminder now, through the real pipeline, on each of the plan's channels. One a
    minute per user (SendTooSoon otherwise): each sends email, push and webhooks."""
    plan = plan_get(user=user)
    if not plan.channels:
        raise ValidationError({"channels": "Choose at least one channel first."})
    now = timezone.now()
    with transaction.atomic():
        # The claim: of two requests at once, only one moves test_sent_at.
        claimed = (
            Plan.objects.filter(pk=plan.pk)
            .filter(Q(test_sent_at__isnull=True) | Q(test_sent_at__lte=now - TEST_SEND_EVERY))
            .update(test_sent_at=now)
        )
        if not claimed:
            last = Plan.objects.filter(pk=plan.pk).values_list("test_sent_at", flat=True).get()
            raise SendTooSoon(retry_after=max(1, math.ceil((last + TEST_SEND_EVERY - now).total_seconds())))
        return _create_and_enqueue(user=user, kind=Kind.TEST, prompt=Prompt.DRINK, channels=plan.channels)


def event_payload(*, entry) -> dict | None:
    """What a new logbook entry calls for: an electrolyte cue after hard, sweaty
    exercise; tips (and any red-flag message) after a cramp. None for other entries and
    for entries logged long after the fact. Reads nothing from the database."""
    if isinstance(entry, Activity):
        if not (entry.intensity == Intensity.VIGOROUS or entry.heavy_sweating):
            return None
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
        return None
    if instant < timezone.now() - EVENT_BACKFILL_LIMIT:
        return None
    return payload


def event_reminders_for_entry(*, entry, payload: dict | None = None) -> None:
    """After a new logbook entry, the event reminder it calls for (event_payload) on each
    of the plan's channels, written in Python: where the database cannot write it in the
    entry's own statement (see on_entry_logged). Runs inside the logbook's transaction;
    the tasks go out after commit."""
    payload = payload or event_payload(entry=entry)
    if payload is None:
        return
    plan = plan_get(user=entry.user)
    if not plan.enabled or not plan.channels:
        return
    if IN_APP in plan.channels:
        delivery = _in_app_delivery(user=entry.user, payload=payload)
        delivery.save()
        CHANNELS[IN_APP].send_many([delivery])
    others = [channel for channel in plan.channels if channel != IN_APP]
    if others:
        _create_and_enqueue(user=entry.user, kind=Kind.EVENT, prompt=Prompt.EVENT, channels=others, payload=payload)


def _in_app_delivery(*, user, payload: dict) -> Delivery:
    """The in-app copy of an event reminder, to be written as sent with its notification
    in the entry's own transaction: there is nothing for a worker to do but the same two
    INSERTs, so the tips show at once, exactly once (they commit or roll back with the
    entry), and the request publishes nothing to the broker. Worded and recorded as the
    pipeline would (sending.deliveries_send)."""
    now = timezone.now()
    delivery = Delivery(
        user=user,
        kind=Kind.EVENT,
        prompt=Prompt.EVENT,
        slot=now,
        channel=IN_APP,
        payload=payload,
        status=Status.SENT,
        attempts=1,
        next_attempt_at=now,
        queued_at=now,
        sent_at=now,
    )
    delivery.message = message_for(delivery, pace=None)
    return delivery


def on_entry_logged(sender, *, entry, statements: list | None, **_kwargs):
    """Receiver of tracker.logbook.signals.entry_logged (connected in RemindersConfig;
    edits, deletes and check-ins never bring an event reminder). A drink calls for no
    reminder. The event reminder is written by the entry's own INSERT statement, which
    reads the plan too: no read before it, no transaction, and nothing published for the
    in-app copy; the other channels' tasks go out after commit."""
    payload = event_payload(entry=entry)
    if payload is None:
        return None
    if statements is None:
        return lambda: event_reminders_for_entry(entry=entry, payload=payload)
    statements.extend(_event_statements(user=entry.user, payload=payload, first=len(statements)))
    return None


def _event_statements(*, user, payload: dict, first: int, using: str = "default") -> list[tuple]:
    """What event_reminders_for_entry writes, as three statements of the entry's INSERT
    (PostgreSQL): the user's plan; a delivery on each of its channels when it is on (the
    in-app one recorded as sent, the others pending for the pipeline); the in-app one's
    notification. A user without a plan yet gets the new plan's channels, and the plan
    is created after the INSERT (plan_get), as it was before the event reminder."""
    plan, deliveries = statement_name(first), statement_name(first + 1)
    connection = connections[using]
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    title, text = event_wording(payload)
    plan_sql, deliveries_sql, notification_sql = _event_sql(using)
    return [
        (plan_sql, [user.pk], functools.partial(_plan_created_if_none, user)),
        (
            deliveries_sql.format(plan=plan),
            [
                *(user.pk, Kind.EVENT, Prompt.EVENT, now),
                *(IN_APP, Status.SENT, Status.PENDING, IN_APP),
                *(now, json.dumps(payload), now, now, IN_APP, now),
                *(json.dumps(default_channels()), IN_APP),
            ],
            _outbound_published,
        ),
        (notification_sql.format(deliveries=deliveries), [user.pk, now, title, text, "[]", IN_APP]),
    ]


@functools.cache
def _event_sql(using: str) -> tuple[str, str, str]:
    quote = connections[using].ops.quote_name
    plan = f"SELECT enabled, channels FROM {quote(Plan._meta.db_table)} WHERE user_id = %s"  # noqa: S608
    # One row per channel of the plan if it is on ('[]' if off), in-app first as in
    # event_reminders_for_entry; the new plan's channels if there is no plan yet.
    # Only names are formatted in; every value is a parameter.
    deliveries = (
        f"INSERT INTO {quote(Delivery._meta.db_table)} (user_id, kind, prompt, slot, channel, status, attempts, "  # noqa: S608
        "claim_token, next_attempt_at, error, payload, created_at, queued_at, sent_at) "
        "SELECT %s, %s, %s, %s, c.channel, CASE WHEN c.channel = %s THEN %s ELSE %s END, "
        "CASE WHEN c.channel = %s THEN 1 ELSE 0 END, '', %s, '', %s::jsonb, %s, %s, "
        "CASE WHEN c.channel = %s THEN %s END "
        "FROM jsonb_array_elements_text(COALESCE("
        "(SELECT CASE WHEN enabled THEN channels ELSE '[]'::jsonb END FROM {plan}), %s::jsonb"
        ")) WITH ORDINALITY AS c(channel, position) "
        "ORDER BY c.channel <> %s, c.position RETURNING id, channel"
    )
    notification = (
        f"INSERT INTO {quote(Notification._meta.db_table)} (user_id, delivery_id, created_at, title, body, read, "  # noqa: S608
        "actions) SELECT %s, id, %s, %s, %s, false, %s::jsonb FROM {deliveries} WHERE channel = %s"
    )
    return plan, deliveries, notification


def _plan_created_if_none(user, rows: list[dict]) -> None:
    if not rows:
        plan_get(user=user)


def _outbound_published(rows: list[dict]) -> None:
    outbound = [(row["id"], row["channel"]) for row in rows if row["channel"] != IN_APP]
    if outbound:
        transaction.on_commit(lambda: dispatch.deliveries_enqueue_rows(rows=outbound))
