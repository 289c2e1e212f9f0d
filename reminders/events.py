"""Reminders that are not on the schedule: the test button, and event reminders after a
logbook entry (an electrolyte cue after hard, sweaty exercise; tips after a cramp).
They go through the same outbox and pipeline as scheduled ones."""

import datetime as dt
import math

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.db.models.expressions import RawSQL
from django.utils import timezone

from reminders import dispatch
from reminders.channels import CHANNELS
from reminders.models import Delivery, Kind, Notification, Plan, Prompt, Status
from reminders.plans import plan_get
from reminders.wording import message_for
from tracker.logbook import advice
from tracker.logbook.models import Activity, Episode, Intensity
from tracker.logbook.signals import statement_name
from tracker.prepared import insert_statement

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


def event_reminders_for_entry(*, entry, payload: dict | None = None, plan: Plan | None = None) -> None:
    """After a new logbook entry, the event reminder it calls for (event_payload) on each
    of the plan's channels. Runs inside the logbook's transaction; the tasks go out
    after commit."""
    payload = payload or event_payload(entry=entry)
    if payload is None:
        return
    plan = plan or plan_get(user=entry.user)
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
    in the entry's own transaction or statement: there is nothing for a worker to do but
    the same two INSERTs, so the tips show at once, exactly once (they commit or roll
    back with the entry), and the request publishes nothing to the broker. Worded and
    recorded as the pipeline would (sending.deliveries_send)."""
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
    reminder. With the default plan (in-app only) the delivery and its notification go
    into the entry's own INSERT statement; with other channels too, they are written after
    the INSERT in its transaction, and those channels' tasks go out after commit."""
    payload = event_payload(entry=entry)
    if payload is None:
        return None
    plan = plan_get(user=entry.user)
    if not plan.enabled or not plan.channels:
        return None
    if statements is not None and list(plan.channels) == [IN_APP]:
        delivery = _in_app_delivery(user=entry.user, payload=payload)
        message = delivery.message
        # The notification points at the delivery that the statement before it returns.
        link = RawSQL(f"SELECT id FROM {statement_name(len(statements))}", [])  # noqa: S608, S611 (a name of ours)
        notification = Notification(
            user=entry.user, delivery_id=link, title=message.title, body=message.text, actions=message.actions
        )
        statements.append(insert_statement(delivery, returning=True))
        statements.append(insert_statement(notification))
        return None
    return lambda: event_reminders_for_entry(entry=entry, payload=payload, plan=plan)
