import logging
import os

from celery import Celery
from celery.signals import worker_init

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
