from smtplib import SMTPException

from celery import shared_task

from accounts.models import User
from accounts.services import already_registered_send, email_verification_send, password_reset_send
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


# SMTP errors are transient more often than not (a full queue, a restart): retried
# with backoff; an address the server refuses for good ends after the last retry.
MAIL_RETRY = {
    "autoretry_for": (OSError, SMTPException),
    "retry_backoff": True,  # 1 s, 2 s, 4 s... with jitter
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 5,
    "acks_late": True,
}


@shared_task(name="accounts.tasks.verification_mail_send", **MAIL_RETRY)
def verification_mail_send(user_id: int) -> bool:
    """Idempotent enough: a second copy of a confirmation link confirms the same address."""
    user = User.objects.filter(pk=user_id, email_verified_at__isnull=True).first()
    if user is None:
        return False
    email_verification_send(user=user)
    return True


@shared_task(name="accounts.tasks.password_reset_mail_send", **MAIL_RETRY)
def password_reset_mail_send(email: str) -> None:
    """Idempotent enough: each link works alone and all stop working once one is used."""
    password_reset_send(email=email)


@shared_task(name="accounts.tasks.already_registered_mail_send", **MAIL_RETRY)
def already_registered_mail_send(user_id: int) -> None:
    """Idempotent enough: a second copy says the same."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is not None:
        already_registered_send(user=user)
