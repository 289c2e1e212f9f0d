import contextlib
import threading
import time

import pytest
from celery.contrib.testing.worker import TestWorkController, setup_app_for_worker
from celery.worker import state as worker_state
from django.db import connections
from kombu.asynchronous import set_event_loop

from reminders import plans
from reminders.models import Plan
from tests.conftest import redis_available
from tracker.celery import app as celery_app
from tracker.celery import quiet_cancel_on_loss_notice


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


QUEUES = ("celery", "outbound")  # settings.CELERY_TASK_DEFAULT_QUEUE, settings.OUTBOUND_QUEUE


def purge_broker():
    with celery_app.connection_for_write() as conn:
        for queue in QUEUES:
            conn.default_channel.queue_declare(queue, passive=False, durable=True, auto_delete=False)
            conn.default_channel.queue_purge(queue)


@pytest.fixture
def settings_fast(settings):
    settings.REMINDER_RETRY_BASE_SECONDS = 0.2
    settings.REMINDER_REQUEUE_AFTER_SECONDS = 0
    return settings


@contextlib.contextmanager
def run_workers(*queue_sets, hostname="tests"):
    """One solo worker thread per set of queues, stopped together (celery's start_worker
    stops its worker through a process-wide flag, which cannot stop two reliably)."""
    setup_app_for_worker(celery_app, "WARNING", None)
    quiet_cancel_on_loss_notice()  # as a real worker does after its set-up (tracker/celery.py)
    workers = []
    for queues in queue_sets:
        controller = TestWorkController(
            app=celery_app,
            concurrency=1,
            pool="solo",
            hostname=f"{'-'.join(queues)}@{hostname}",
            loglevel="WARNING",
            logfile=None,
            ready_callback=None,
            without_heartbeat=True,
            without_mingle=True,
            without_gossip=True,
            queues=list(queues),
            # Kombu's event loop is one per process: the first worker runs it, any
            # other runs the plain blocking loop (which takes ~2 s to notice a stop).
            use_eventloop=False if workers else None,
        )
        thread = threading.Thread(target=controller.start, daemon=True)
        thread.start()
        controller.ensure_started()
        workers.append(thread)
    try:
        yield
    finally:
        worker_state.should_terminate = 0
        for thread in workers:
            thread.join(20)
        worker_state.should_terminate = None
        # The next worker of this process starts with a fresh event loop, not this one's.
        set_event_loop(None)
        assert not any(thread.is_alive() for thread in workers), "a worker thread did not stop"


def empty_broker():
    if redis_available():
        import redis

        redis.Redis.from_url(celery_app.conf.broker_url).flushdb()
    else:
        purge_broker()


@pytest.fixture
def worker(settings_fast):
    """Real Celery workers in threads, on the configured broker (Redis in CI, kombu's
    filesystem transport otherwise): one on the default queue (dispatcher, in-app), one
    on the outbound queue (webhook, push, email), as `make run` and production run them."""
    empty_broker()
    with run_workers([QUEUES[0]], [QUEUES[1]]):
        yield
    # Retries still waiting (a worker hands its unfinished messages back when it stops)
    # must not reach a later test's worker, which would consume both queues.
    empty_broker()
    connections.close_all()
