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


@celeryd_after_setup.connect
def _quiet_the_cancel_on_loss_notice(**_kwargs):
    # Celery 5 prints this notice on every lost broker connection while the setting is
    # False, chosen or not; ours is chosen, with its reason, in settings.py
    # (CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS). Added after the worker
    # has set up its logging, which turns Celery's own warnings to "always".
    warnings.filterwarnings(
        "ignore",
        message=r"\s*In Celery 5\.1 we introduced an optional breaking change",
        category=CPendingDeprecationWarning,
    )
