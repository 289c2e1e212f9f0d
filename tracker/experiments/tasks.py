from celery import shared_task

from tracker.experiments import services


@shared_task(name="tracker.experiments.tasks.block_notices_send", acks_late=True)
def block_notices_send() -> int:
    """Idempotent: each block's notice is claimed on its experiment row before it is created."""
    return services.block_notices_send()
