from celery import shared_task

from tracker.reports import schedule


@shared_task(name="tracker.reports.tasks.weekly_reports_sweep")
def weekly_reports_sweep() -> int:
    """Beat, every 15 minutes. Safe to run twice: rows are claimed with a conditional
    UPDATE and each email is claimed on its snapshot."""
    return schedule.weekly_reports_sweep()


@shared_task(name="tracker.reports.tasks.weekly_reports_deliver", acks_late=True)
def weekly_reports_deliver(user_ids: list[int]) -> int:
    """Idempotent: a user's owed week is cleared once done and the email is claimed on
    its snapshot, so a redelivered or republished chunk sends nothing twice. Failures
    are recorded per user (no task retry: a later sweep publishes only those)."""
    return schedule.reports_deliver(user_ids=[int(user_id) for user_id in user_ids])
