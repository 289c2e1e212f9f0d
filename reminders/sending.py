"""Sending claimed deliveries: each row is claimed with a conditional UPDATE and a
lease, worded (or skipped by smart pacing), handed to its channel, and its outcome
recorded. In-app rows of a chunk are written with their notifications in one
transaction (exactly once); a network row is claimed just before its call, so a lease
covers one call, and a transient error puts it back to pending with backoff."""

import datetime as dt
import logging
import uuid
from collections import defaultdict

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from reminders import dispatch
from reminders.channels import CHANNELS, ChannelError
from reminders.dispatch import LOCAL_CHANNELS, MAX_ATTEMPTS, ids_param, is_outbound, slot_expiry
from reminders.models import Delivery, Kind, Prompt, Status
from reminders.wording import fluid_for, message_for, pace_at
from tracker.diary import diary_day

log = logging.getLogger(__name__)

LEASE = dt.timedelta(seconds=getattr(settings, "REMINDER_LEASE_SECONDS", 120))

# Only what wording and pacing read: a chunk is hundreds of rows.
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
    "user__is_active",
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


def _retry_delay(attempts: int) -> dt.timedelta:
    # Short delays: the minute tick of the dispatcher's sweep is the backstop, and a
    # Redis countdown longer than the visibility timeout would be delivered repeatedly.
    base = getattr(settings, "REMINDER_RETRY_BASE_SECONDS", 15)
    return dt.timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), 300))


def deliveries_claim(*, delivery_ids: list[int]) -> tuple[str, int]:
    """Claim the rows that are still pending, in time and with attempts left, with a
    lease; returns the claim token that marks them and how many were claimed. A
    conditional UPDATE: a row another worker claimed or that was sent is left alone."""
    now = timezone.now()
    token = uuid.uuid4().hex
    claimed = Delivery.objects.filter(
        id__in=ids_param(delivery_ids),
        status=Status.PENDING,
        next_attempt_at__lte=now + dt.timedelta(seconds=1),
        slot__gte=now - slot_expiry(),
        attempts__lt=MAX_ATTEMPTS,
    ).update(status=Status.SENDING, claim_token=token, claimed_until=now + LEASE, attempts=F("attempts") + 1)
    return token, claimed


def deliveries_send(*, delivery_ids: list[int]) -> dict[str, int]:
    """Send the given rows that are still pending; returns counts by outcome."""
    counts: dict[str, int] = defaultdict(int)
    rows = list(
        Delivery.objects.filter(id__in=ids_param(delivery_ids), status=Status.PENDING)
        .select_related("user", "user__reminder_plan")
        .only(*SEND_FIELDS)
        .order_by("id")
    )
    if not rows:
        return counts
    inactive = [row.id for row in rows if not row.user.is_active]
    if inactive:
        # A deactivated account gets nothing, whatever was queued before.
        counts["skipped"] += Delivery.objects.filter(id__in=ids_param(inactive), status=Status.PENDING).update(
            status=Status.SKIPPED, error="The account is deactivated.", claimed_until=None
        )
        rows = [row for row in rows if row.user.is_active]
    days = {row.id: (row.user_id, diary_day(row.slot, row.user.zone, row.user.day_starts_at)) for row in rows}
    fluid = fluid_for(set(days.values()))

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
            Delivery.objects.filter(id__in=ids_param(sent), claim_token=token, status=Status.SENDING).update(
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
    except SoftTimeLimitExceeded:
        _record_failure(row, token, "Took too long; will try again.", permanent=False)
        raise  # the task ends here; nothing else of it runs past its time
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
    retry_at = timezone.now() + delay
    # Published now with a countdown: queued as of the retry time, so the sweep leaves it.
    _record(row, token, status=Status.PENDING, error=message[:2000], next_attempt_at=retry_at, queued_at=retry_at)
    dispatch.deliveries_enqueue(
        delivery_ids=[row.id], outbound=is_outbound(row.channel), countdown=delay.total_seconds()
    )
    return "retry"
