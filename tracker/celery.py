import logging
import os
import warnings

from celery import Celery
from celery.exceptions import CPendingDeprecationWarning
from celery.signals import celeryd_after_setup, worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")

app = Celery("tracker")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
def _say_which_broker(**_kwargs):
    from django.conf import settings

    if settings.CELERY_BROKER_IS_FILESYSTEM:
        # Said once, at worker start: fine for one machine, not for production.
        logging.getLogger("tracker").warning(
            "No CELERY_BROKER_URL set: using the filesystem broker under var/broker/ (one machine only). "
            "Late acknowledgement does nothing there; the reminder outbox sweep still recovers every delivery."
        )


def quiet_cancel_on_loss_notice() -> None:
    """Celery 5 prints a notice on every lost broker connection while
    worker_cancel_long_running_tasks_on_connection_loss is False, chosen or not; ours is
    chosen, with its reason, in settings.py. Call after a worker has set up its logging,
    which turns Celery's own warnings to "always"."""
    warnings.filterwarnings(
        "ignore",
        message=r"\s*In Celery 5\.1 we introduced an optional breaking change",
        category=CPendingDeprecationWarning,
    )


@celeryd_after_setup.connect
def _quiet_notices(**_kwargs):
    quiet_cancel_on_loss_notice()
