from celery import shared_task

from accounts.models import User
from accounts.services import idempotency_keys_prune as idempotency_keys_prune_service
from tracker.logbook.services import diary_days_recompute as recompute


@shared_task(name="accounts.tasks.diary_days_recompute", acks_late=True)
def diary_days_recompute(user_id: int) -> int:
    """Idempotent: recomputing from the stored instants gives the same days every time."""
    user = User.objects.filter(pk=user_id).first()
    return recompute(user=user) if user else 0


@shared_task(name="accounts.tasks.idempotency_keys_prune")
def idempotency_keys_prune() -> int:
    """Idempotent: deletes keys past their 24 h; a key reused later simply applies again."""
    return idempotency_keys_prune_service()
