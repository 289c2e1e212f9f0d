"""Celery tasks: thin wrappers over the reminder services.

Idempotent by construction: deliveries are unique per (user, slot, channel), plans
and deliveries are claimed with conditional UPDATEs, so a repeated or redelivered
message does nothing twice. A message lost in an outage is replaced by the sweep.
"""

from celery import shared_task
from django.conf import settings

from reminders.dispatch import deliveries_prune, reminders_dispatch
from reminders.sending import deliveries_send


@shared_task(ignore_result=True, acks_late=True, reject_on_worker_lost=True)
def dispatch() -> None:
    reminders_dispatch()


# acks_late + reject_on_worker_lost: a chunk whose worker died is delivered again;
# rows it had claimed wait for their lease to lapse and the sweep. No poison loop:
# a claim needs attempts left, and a row past MAX_ATTEMPTS is marked failed.
@shared_task(
    ignore_result=True,
    acks_late=True,
    reject_on_worker_lost=True,
    expires=settings.REMINDER_SLOT_EXPIRY_MINUTES * 60,
)
def deliver(delivery_ids: list[int]) -> None:
    deliveries_send(delivery_ids=delivery_ids)


@shared_task(ignore_result=True)
def prune_deliveries() -> None:
    deliveries_prune()
