"""Settings for bench.load only: the product's settings plus a bare endpoint on a
trivial model, so the logging endpoints are measured beside it in the same server."""

from tracker.settings import *  # noqa: F403
from tracker.settings import INSTALLED_APPS, REST_FRAMEWORK

INSTALLED_APPS = [*INSTALLED_APPS, "bench._bare.apps.BareConfig"]
ROOT_URLCONF = "bench._urls"
DEBUG = False
# The throttles still run (their cost is part of every request) but never trip.
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_THROTTLE_RATES": {"anon": "1000000/min", "user": "1000000/min"},
}
# Cramps enqueue their event reminder on a queue of the bench's own (bench.load empties it).
CELERY_TASK_ROUTES = {"reminders.tasks.deliver": {"queue": "bench_load"}}
