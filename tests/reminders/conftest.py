import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.db import connections

from reminders import plans
from reminders.models import Plan
from tests.conftest import redis_available
from tracker.celery import app as celery_app


def make_plan(user, **fields) -> Plan:
    plan = plans.plan_get(user=user)
    return plans.plan_update(plan=plan, **fields) if fields else plan


def wait_for(predicate, timeout=20.0, interval=0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


def purge_broker():
    with celery_app.connection_for_write() as conn:
        conn.default_channel.queue_declare("celery", passive=False, durable=True, auto_delete=False)
        conn.default_channel.queue_purge("celery")


@pytest.fixture
def settings_fast(settings):
    settings.REMINDER_RETRY_BASE_SECONDS = 0.2
    settings.REMINDER_SWEEP_GRACE_SECONDS = 0
    return settings


@pytest.fixture
def worker(settings_fast):
    """A real Celery worker in a thread, on the configured broker (Redis in CI,
    kombu's filesystem transport otherwise)."""
    if redis_available():
        import redis

        redis.Redis.from_url(celery_app.conf.broker_url).flushdb()
    else:
        purge_broker()
    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=10) as w:
        yield w
    connections.close_all()
