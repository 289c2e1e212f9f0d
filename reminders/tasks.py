"""Celery tasks: thin wrappers over the reminder services.

Idempotent by construction: deliveries are unique per (user, slot, channel), plans
and deliveries are claimed with conditional UPDATEs, so a repeated or redelivered
message does nothing twice. A message lost in an outage is replaced by the sweep.

acks_late + reject_on_worker_lost: a task whose worker died is delivered again; rows it
had claimed wait for their lease to lapse and the sweep. No poison loop: a claim needs
attempts left, and a row past MAX_ATTEMPTS is marked failed. The soft time limit ends a
task that hangs anyway (a mail server that drips); its claimed row goes back to pending
and is retried."""

from celery import shared_task
from django.conf import settings

from reminders.dispatch import reminders_dispatch, reminders_prune
from reminders.sending import deliveries_send

EXPIRES = settings.REMINDER_SLOT_EXPIRY_MINUTES * 60


# A generous limit: a tick normally takes seconds; one that hangs must not hold a worker for ever.
@shared_task(ignore_result=True, acks_late=True, reject_on_worker_lost=True, soft_time_limit=300, time_limit=330)
def dispatch() -> None:
    reminders_dispatch()


# In-app chunks, on the default queue: our own database only.
@shared_task(
    ignore_result=True,
    acks_late=True,
    reject_on_worker_lost=True,
    expires=EXPIRES,
    soft_time_limit=settings.REMINDER_CHUNK_SOFT_TIME_LIMIT,
    time_limit=settings.REMINDER_CHUNK_SOFT_TIME_LIMIT + 15,
)
def deliver(delivery_ids: list[int]) -> None:
    deliveries_send(delivery_ids=delivery_ids)


# One webhook, push or email delivery, on the outbound queue (settings.CELERY_TASK_ROUTES).
@shared_task(
    ignore_result=True,
    acks_late=True,
    reject_on_worker_lost=True,
    expires=EXPIRES,
    soft_time_limit=settings.REMINDER_OUTBOUND_SOFT_TIME_LIMIT,
    time_limit=settings.REMINDER_OUTBOUND_SOFT_TIME_LIMIT + 15,
)
def deliver_outbound(delivery_ids: list[int]) -> None:
    deliveries_send(delivery_ids=delivery_ids)


@shared_task(ignore_result=True)
def prune_deliveries() -> None:
    reminders_prune()
