"""A Celery worker process really killed (SIGKILL) in the middle of a webhook call:
the delivery is recorded once, sent after its lease lapses, and the receiver sees the
same Idempotency-Key twice, which is the honest guarantee of design §7."""

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.conf import settings
from django.db import connections
from django.utils import timezone

from reminders import dispatch, events
from reminders.models import Delivery, Plan, Status
from tests.conftest import redis_available
from tests.reminders.conftest import make_plan, purge_broker, wait_for
from tracker.celery import app as celery_app

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

LEASE_SECONDS = 6  # over the time from the first request to the kill; under the webhook's 5 s timeout + margin


class Receiver:
    """A webhook receiver on a free loopback port: records every request, hangs on the
    first until released (the worker is killed while it waits), answers 200 after."""

    def __init__(self):
        self.requests: list[dict] = []
        self.first_arrived = threading.Event()
        self.release = threading.Event()
        lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with lock:
                    receiver.requests.append({"key": self.headers.get("Idempotency-Key"), "body": json.loads(body)})
                    first = len(receiver.requests) == 1
                if first:
                    receiver.first_arrived.set()
                    receiver.release.wait(60)
                try:
                    self.send_response(200)
                    self.end_headers()
                except OSError:  # the caller died meanwhile
                    pass

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


def database_url() -> str:
    # The test database pytest-django made (its name differs per xdist process).
    db = settings.DATABASES["default"]
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def start_worker_process(log_path, *, pool="solo", **env_extra) -> subprocess.Popen:
    """A real worker in its own process, on the test database and this process's broker
    (tests.parallel shifts the Redis database per xdist process), consuming both queues."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tracker.settings",
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "VAR_DIR": str(settings.VAR_DIR),
        "REMINDER_LEASE_SECONDS": str(LEASE_SECONDS),
        "OUTBOUND_ALLOW_PRIVATE": "true",
        **env_extra,
    }
    queues = ",".join([celery_app.conf.task_default_queue, settings.OUTBOUND_QUEUE])
    command = [sys.executable, "-m", "celery", "-A", "tracker", "worker", "--pool", pool, "--concurrency", "1"]
    command += ["-Q", queues, "-n", f"killtest-{uuid.uuid4().hex[:8]}@%h", "--loglevel", "INFO"]
    command += ["--without-heartbeat", "--without-gossip", "--without-mingle"]
    with open(log_path, "ab") as log:
        return subprocess.Popen(command, cwd=settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT)


def empty_broker():
    if redis_available():
        import redis

        redis.Redis.from_url(settings.CELERY_BROKER_URL).flushdb()
    else:
        purge_broker()


def stop(process: subprocess.Popen | None):
    if process is not None and process.poll() is None:
        process.kill()
        process.wait(10)


def test_a_worker_killed_mid_webhook_leaves_one_delivery_sent_after_its_lease(
    needs_postgres, alice, settings, tmp_path
):
    log_path = tmp_path / "workers.log"
    first = second = None
    empty_broker()
    try:
        with Receiver() as receiver:
            # A window around the clock, so the slot is always inside it; no pacing skip.
            plan = make_plan(
                alice,
                window_start=dt.time(0),
                window_end=dt.time(0),
                interval_minutes=15,
                smart=False,
                channels=["webhook"],
                webhook_url=receiver.url,
            )
            slot = timezone.now().replace(microsecond=0) - dt.timedelta(seconds=5)
            Plan.objects.filter(pk=plan.pk).update(next_due_at=slot)

            first = start_worker_process(log_path)
            assert dispatch.reminders_dispatch().enqueued == 1
            # The later ticks are for the sweep alone: the plan's next quarter-hour must not
            # fall inside the test (a run across 14:45 dispatched a second slot).
            Plan.objects.filter(pk=plan.pk).update(next_due_at=slot + dt.timedelta(days=1))
            assert receiver.first_arrived.wait(90), log_path.read_text()
            row = Delivery.objects.get(user=alice)
            assert (row.status, row.attempts) == (Status.SENDING, 1)
            assert row.claimed_until > timezone.now()

            os.kill(first.pid, signal.SIGKILL)  # between the webhook call and recording it
            assert first.wait(10) == -signal.SIGKILL
            dispatch.reminders_dispatch()  # the lease still runs: nobody else may take the row
            row.refresh_from_db()
            assert (row.status, row.attempts, len(receiver.requests)) == (Status.SENDING, 1, 1)

            second = start_worker_process(log_path)
            assert wait_for(lambda: timezone.now() > row.claimed_until, timeout=LEASE_SECONDS + 5)
            dispatch.reminders_dispatch()  # the lease lapsed: the sweep puts the row back and enqueues it
            assert wait_for(lambda: Delivery.objects.get(pk=row.pk).status == Status.SENT, timeout=90), (
                log_path.read_text()
            )

            dispatch.reminders_dispatch()  # a later tick finds nothing left to send
            time.sleep(1.0)
            deliveries = list(Delivery.objects.for_user(alice).values_list("slot", "channel", "status", "attempts"))
            assert deliveries == [(slot, "webhook", Status.SENT, 2)]
            assert Delivery.objects.get(pk=row.pk).sent_at is not None
            # The one repeat design §7 allows, with the key that lets the receiver drop it.
            assert [r["key"] for r in receiver.requests] == [str(row.id), str(row.id)]
            assert [r["body"]["id"] for r in receiver.requests] == [row.id, row.id]
            assert {r["body"]["slot"] for r in receiver.requests} == {slot.isoformat()}
    finally:
        stop(first)
        stop(second)
        empty_broker()  # the killed worker's unacknowledged message must not reach a later test
        connections.close_all()


def test_an_outbound_task_past_its_soft_time_limit_puts_its_row_back_for_a_retry(
    needs_postgres, alice, settings, tmp_path, monkeypatch
):
    """The soft time limit is the backstop for what the per-call deadline does not cover
    (here the deadline is set far off): the task is stopped, its row recorded for a
    retry, and the worker goes on. Time limits need the prefork pool, as in production."""
    from reminders.tasks import deliver_outbound
    from tests.reminders.receivers import RawReceiver, drip

    # A publisher that has the task registered writes the task's limits into the message
    # ("timelimit" header), which then wins over the worker's own: this process must
    # publish the short limit too, not only the worker's environment.
    monkeypatch.setattr(deliver_outbound, "soft_time_limit", 3)
    monkeypatch.setattr(deliver_outbound, "time_limit", 18)
    monkeypatch.setattr(deliver_outbound, "_exec_options", None)
    log_path = tmp_path / "workers.log"
    process = None
    empty_broker()
    try:
        with RawReceiver(drip(every=2.0, limit=60)) as receiver:
            make_plan(alice, channels=["webhook"], webhook_url=receiver.url)
            process = start_worker_process(
                log_path,
                pool="prefork",
                OUTBOUND_DEADLINE_SECONDS="60",
                REMINDER_OUTBOUND_SOFT_TIME_LIMIT="3",
                REMINDER_RETRY_BASE_SECONDS="600",
            )
            [row] = events.delivery_test_send(user=alice)  # published on the outbound queue after commit
            assert wait_for(lambda: receiver.connections == 1, timeout=90), log_path.read_text()
            started = time.monotonic()
            # Without the limit the call would hang on for a minute. (Generous waits: on a
            # loaded machine the worker's timer and the child's signal both run late.)
            assert wait_for(lambda: Delivery.objects.get(pk=row.pk).status == Status.PENDING, timeout=40), (
                log_path.read_text()
            )
            stopped_after = time.monotonic() - started
            row.refresh_from_db()
            assert row.attempts == 1 and "too long" in row.error, row.error
            assert stopped_after < 40, stopped_after
            assert process.poll() is None  # the worker lives on
    finally:
        stop(process)
        empty_broker()
        connections.close_all()
