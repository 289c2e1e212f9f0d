from celery import shared_task

from tracker.reports import services


@shared_task(name="tracker.reports.tasks.weekly_reports_sweep")
def weekly_reports_sweep() -> int:
    """Hourly (beat). Safe to run twice: the build is idempotent and each email is claimed once."""
    return services.weekly_reports_sweep()


@shared_task(
    name="tracker.reports.tasks.weekly_reports_build",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OSError,),
    retry_backoff=True,
    retry_jitter=True,
    max_retries=5,
)
def weekly_reports_build(pairs: list[list]) -> int:
    """Idempotent: a fresh snapshot is not rebuilt and each email is claimed with a
    conditional update, so a redelivered or retried chunk sends nothing twice."""
    return services.weekly_reports_deliver(pairs=[(int(user_id), start) for user_id, start in pairs])
