"""Reminder plans: one per user, created with the defaults on first use; every change
goes through here so `next_due_at` always follows the plan."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from reminders import slots
from reminders.models import Plan, Prompt
from reminders.outbound import url_allowed
from tracker.diary import day_bounds, diary_day
from tracker.prepared import Prepared

SNOOZE = dt.timedelta(hours=1)
SNOOZE_MAX = dt.timedelta(days=366)

# The fields a user may change, by page or API (the API serializer lists the same).
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


def schedule_of(plan, zone=None) -> slots.Schedule:
    return slots.Schedule(
        zone=zone or plan.user.zone,
        window_start=plan.window_start,
        window_end=plan.window_end,
        interval_minutes=plan.interval_minutes,
        quiet_days=frozenset(plan.quiet_days),
        checkin=plan.checkin_prompt,
    )


def next_slot_for(plan, *, after: dt.datetime, zone=None) -> slots.Slot | None:
    """The plan's next slot after `after`, or the first one at or after a snooze's end.
    `plan` may be a Plan or any object with the same schedule fields."""
    if plan.snoozed_until and plan.snoozed_until > after:
        after = plan.snoozed_until - dt.timedelta(microseconds=1)
    return slots.next_slot(after, schedule_of(plan, zone))


def _reschedule(plan: Plan, *, now: dt.datetime) -> None:
    nxt = next_slot_for(plan, after=now) if plan.enabled else None
    plan.next_due_at = nxt.at if nxt else None
    plan.next_prompt = nxt.prompt if nxt else Prompt.DRINK


# Read after every new cramp or activity: compiled once per process (tracker.prepared).
_PLAN_OF = Prepared(lambda user_id: Plan.objects.filter(user_id=user_id).order_by(), user_id=int)


def plan_get(*, user) -> Plan:
    """The user's plan, created with the defaults on first use."""
    plan = _PLAN_OF.first(user_id=user.pk)
    if plan is None:
        plan = Plan(user=user)
        _reschedule(plan, now=timezone.now())
        try:
            with transaction.atomic():
                plan.save()
        except IntegrityError:  # created meanwhile by another request
            plan = Plan.objects.get(user=user)
    return plan


def plan_update(*, plan: Plan, **fields) -> Plan:
    unknown = set(fields) - set(PLAN_FIELDS)
    if unknown:
        raise ValidationError({name: "Unknown field." for name in sorted(unknown)})
    for name, value in fields.items():
        setattr(plan, name, value)
    if "webhook" in plan.channels and not plan.webhook_url:
        raise ValidationError({"webhook_url": "Give the address to POST to, or untick the webhook channel."})
    if plan.webhook_url and (reason := url_allowed(plan.webhook_url)):
        raise ValidationError({"webhook_url": reason})
    if plan.snoozed_until is not None:
        _check_snooze(plan.snoozed_until)
    plan.full_clean(exclude=["user", "webhook_secret", "next_due_at", "dispatch_token"])
    _reschedule(plan, now=timezone.now())
    plan.save()
    return plan


def _check_snooze(until: dt.datetime) -> None:
    if timezone.is_naive(until):
        raise ValidationError({"snoozed_until": "Include a UTC offset (for example 2026-10-26T07:30:00+01:00)."})
    if until > timezone.now() + SNOOZE_MAX:
        raise ValidationError(
            {"snoozed_until": "Snooze for at most a year; to stop reminders for longer, turn them off."}
        )


def plan_snooze(*, plan: Plan, until: dt.datetime | None) -> Plan:
    if until is not None:
        _check_snooze(until)
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
