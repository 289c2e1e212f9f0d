"""The pipeline with a real Celery worker on the configured broker (Redis in CI)."""

import datetime as dt
import shutil
import socket
import subprocess
import time

import pytest
from django.utils import timezone

from reminders import channels, dispatch, sending
from reminders.models import Delivery, Notification, Plan, Status
from tests.conftest import require
from tests.reminders.conftest import make_plan, run_workers, wait_for
from tracker.celery import app as celery_app

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def all_window_plan(user, **fields):
    # A window around the clock, so "now" is always inside it, and one slot a day (local
    # midnight): a test's later ticks are for the sweep and repeats, and with a slot every
    # quarter-hour a run across 14:45 met a second, real slot.
    fields.setdefault("channels", ["in_app"])
    return make_plan(
        user,
        window_start=dt.time(0),
        window_end=dt.time(0),
        interval_minutes=24 * 60,
        smart=False,
        checkin_prompt=False,
        **fields,
    )


def make_due(plan, seconds_ago=5):
    slot = timezone.now().replace(microsecond=0) - dt.timedelta(seconds=seconds_ago)
    Plan.objects.filter(pk=plan.pk).update(next_due_at=slot)
    return slot


def statuses(user):
    return sorted(Delivery.objects.for_user(user).values_list("status", flat=True))


def test_a_due_plan_is_delivered_once_per_channel_by_the_worker(worker, alice):
    plan = all_window_plan(alice)
    slot = make_due(plan)
    result = dispatch.reminders_dispatch()
    assert result.plans_claimed == 1 and result.enqueued == 1
    assert wait_for(lambda: statuses(alice) == [Status.SENT])
    dispatch.reminders_dispatch()  # the same minute again
    time.sleep(0.5)
    row = Delivery.objects.get(user=alice)
    assert (row.slot, row.channel, row.attempts) == (slot, "in_app", 1)
    assert Notification.objects.for_user(alice).count() == 1


def test_a_worker_that_died_after_claiming_leaves_the_row_to_be_sent_once_after_the_lease(worker, alice, monkeypatch):
    monkeypatch.setattr(sending, "LEASE", dt.timedelta(seconds=1))
    plan = all_window_plan(alice)
    make_due(plan)
    monkeypatch.setattr(dispatch, "deliveries_enqueue", lambda **kw: 0)  # the message is lost with the worker
    dispatch.reminders_dispatch()
    monkeypatch.undo()
    monkeypatch.setattr(sending, "LEASE", dt.timedelta(seconds=1))
    row = Delivery.objects.get(user=alice)
    _token, claimed = sending.deliveries_claim(delivery_ids=[row.id])  # ...and then the worker died
    assert claimed == 1
    dispatch.reminders_dispatch()  # lease still running: nothing to recover yet
    time.sleep(0.3)
    assert statuses(alice) == [Status.SENDING]
    time.sleep(1.0)
    dispatch.reminders_dispatch()  # the lease lapsed: the sweep puts it back and enqueues it
    assert wait_for(lambda: statuses(alice) == [Status.SENT])
    row.refresh_from_db()
    assert row.attempts == 2
    assert Notification.objects.for_user(alice).count() == 1


class Flaky:
    def __init__(self, real, failures, permanent=False):
        self.real, self.failures, self.permanent, self.calls = real, failures, permanent, 0

    def send(self, delivery):
        self.calls += 1
        if self.calls <= self.failures:
            raise channels.ChannelError("receiver busy", permanent=self.permanent)
        self.real.send(delivery)


def test_a_transient_channel_failure_is_retried_and_then_succeeds(worker, alice, monkeypatch):
    flaky = Flaky(channels.WebhookChannel(), failures=1)
    monkeypatch.setitem(channels.CHANNELS, "webhook", flaky)
    monkeypatch.setattr(channels.WebhookChannel, "send", lambda self, d: None)  # a receiver that accepts
    plan = all_window_plan(alice, channels=["webhook"], webhook_url="http://127.0.0.1:9/hook")
    make_due(plan)
    dispatch.reminders_dispatch()
    assert wait_for(lambda: statuses(alice) == [Status.SENT])
    row = Delivery.objects.get(user=alice)
    assert (row.attempts, row.error, flaky.calls) == (2, "", 2)


def test_a_permanent_failure_is_recorded_and_not_retried(worker, alice):
    plan = all_window_plan(alice, channels=["email"])  # alice has not verified her address
    make_due(plan)
    dispatch.reminders_dispatch()
    assert wait_for(lambda: statuses(alice) == [Status.FAILED])
    row = Delivery.objects.get(user=alice)
    assert row.attempts == 1 and "not verified" in row.error


def test_after_the_last_attempt_a_failing_row_is_failed(worker, alice, monkeypatch):
    flaky = Flaky(None, failures=100)
    monkeypatch.setitem(channels.CHANNELS, "webhook", flaky)
    plan = all_window_plan(alice, channels=["webhook"], webhook_url="http://127.0.0.1:9/hook")
    make_due(plan)
    dispatch.reminders_dispatch()
    assert wait_for(lambda: statuses(alice) == [Status.FAILED], timeout=30)
    row = Delivery.objects.get(user=alice)
    assert row.attempts == dispatch.MAX_ATTEMPTS == flaky.calls


def test_the_test_button_goes_through_the_pipeline_on_every_channel(worker, alice, alice_api):
    all_window_plan(alice, channels=["in_app", "email"])
    alice.email_verified_at = timezone.now()
    alice.save()
    response = alice_api.post("/api/v1/reminders/test/")
    assert response.status_code == 202
    assert sorted(d["channel"] for d in response.json()) == ["email", "in_app"]
    assert wait_for(lambda: statuses(alice) == [Status.SENT, Status.SENT])
    from django.core import mail

    assert [m.to for m in mail.outbox] == [["alice@example.com"]]
    assert Notification.objects.for_user(alice).get().title.startswith("Test reminder")


# ---------------------------------------------------------------- broker outage


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PrivateRedis:
    def __init__(self):
        self.port = free_port()
        self.process = None

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )
        assert wait_for(self._up, timeout=10)

    def _up(self):
        try:
            socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
            return True
        except OSError:
            return False

    def stop(self):
        if self.process:
            self.process.terminate()
            self.process.wait(10)
            self.process = None


@pytest.fixture
def private_redis(needs_redis, settings_fast, monkeypatch):
    require("redis-server", shutil.which("redis-server") is not None)
    server = PrivateRedis()
    server.start()
    # Celery reads CELERY_BROKER_URL from the environment before its own settings.
    monkeypatch.setenv("CELERY_BROKER_URL", server.url)
    saved = (celery_app.conf.broker_url, celery_app.conf.broker_transport_options)
    celery_app.conf.broker_url = server.url
    celery_app.conf.broker_transport_options = {"visibility_timeout": 3600}
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    try:
        yield server
    finally:
        server.stop()
        celery_app.conf.broker_url, celery_app.conf.broker_transport_options = saved
        celery_app._pool = None
        celery_app.amqp._producer_pool = None


def test_a_broker_outage_delays_deliveries_and_loses_none(private_redis, alice, alice_api):
    plan = all_window_plan(alice)
    with run_workers(["celery"]):  # in-app only
        make_due(plan, seconds_ago=60)
        dispatch.reminders_dispatch()
        assert wait_for(lambda: statuses(alice) == [Status.SENT])

        private_redis.stop()
        make_due(plan, seconds_ago=5)
        result = dispatch.reminders_dispatch()  # does not raise
        assert result.plans_claimed == 1 and result.enqueued == 0
        assert alice_api.post("/api/v1/reminders/test/").status_code == 202  # no request fails
        assert statuses(alice) == [Status.PENDING, Status.PENDING, Status.SENT]

        private_redis.start()
        dispatch.reminders_dispatch()  # the sweep publishes what waited
        assert wait_for(lambda: statuses(alice) == [Status.SENT] * 3, timeout=60)
    assert Notification.objects.for_user(alice).count() == 3
