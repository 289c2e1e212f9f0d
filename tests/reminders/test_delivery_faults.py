"""Item 6 of issue 10: faults probed against the pipeline, with the real worker on the
configured broker (Redis in CI) where the pipeline is involved."""

import datetime as dt
import time

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from reminders import dispatch, events, sending
from reminders.models import Delivery, Notification, Plan, Status
from tests.factories import UserFactory
from tests.reminders.conftest import wait_for
from tests.reminders.receivers import RawReceiver, drip
from tests.reminders.test_pipeline_worker import all_window_plan, make_due


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_slow_webhooks_never_delay_another_users_in_app_reminder(worker, alice, settings):
    settings.OUTBOUND_DEADLINE_SECONDS = 3
    settings.REMINDER_RETRY_BASE_SECONDS = 600  # no retry before the test ends
    with RawReceiver(drip(every=2.0)) as receiver:
        slow = [UserFactory(timezone="America/New_York") for _ in range(3)]
        for user in slow:
            all_window_plan(user, channels=["webhook"], webhook_url=receiver.url)
            events.delivery_test_send(user=user)
        # The outbound worker is now held by a receiver that answers one byte every 2 s.
        assert wait_for(lambda: receiver.connections >= 1, timeout=10)
        make_due(all_window_plan(alice))
        started = time.monotonic()
        dispatch.reminders_dispatch()
        assert wait_for(lambda: Notification.objects.for_user(alice).exists(), timeout=2.0)
        arrived = time.monotonic() - started
        # ...and each slow call ends at its deadline, to be retried later.
        assert wait_for(lambda: all(Delivery.objects.get(user=u).attempts >= 1 for u in slow), timeout=15)
        first = Delivery.objects.get(user=slow[0])
        assert wait_for(lambda: Delivery.objects.get(pk=first.pk).status == Status.PENDING, timeout=6)
    first.refresh_from_db()
    assert "within 3 s" in first.error
    assert arrived < 2.0, arrived


def test_the_network_delivery_task_runs_on_its_own_queue_with_a_soft_time_limit():
    from tracker.celery import app

    app.loader.import_default_modules()  # the task modules a worker imports as it starts
    outbound = app.tasks["reminders.tasks.deliver_outbound"]
    local = app.tasks["reminders.tasks.deliver"]
    assert app.amqp.router.route({}, outbound.name)["queue"].name == django_settings.OUTBOUND_QUEUE
    assert app.amqp.router.route({}, local.name)["queue"].name == app.conf.task_default_queue
    assert 0 < outbound.soft_time_limit < outbound.time_limit
    assert 0 < local.soft_time_limit < local.time_limit
    # A worker started without -Q consumes both queues.
    assert {django_settings.OUTBOUND_QUEUE, app.conf.task_default_queue} <= set(app.amqp.queues)


# ---------------------------------------------------------------- test sends


@pytest.fixture
def no_publish(monkeypatch):
    published = []
    monkeypatch.setattr(dispatch, "deliveries_enqueue", lambda **kw: published.append(kw) or 0)
    return published


def test_test_sends_are_limited_to_one_a_minute_with_retry_after_on_the_api(alice, alice_api, bob_api, no_publish):
    assert alice_api.post("/api/v1/reminders/test/").status_code == 202
    again = alice_api.post("/api/v1/reminders/test/")
    assert again.status_code == 429
    assert 55 <= int(again["Retry-After"]) <= 60
    assert "one test reminder a minute" in again.json()["detail"].lower()
    assert bob_api.post("/api/v1/reminders/test/").status_code == 202  # per user
    assert Delivery.objects.for_user(alice).count() == 1
    later = timezone.now() + dt.timedelta(seconds=61)
    import time_machine

    with time_machine.travel(later, tick=False):
        assert alice_api.post("/api/v1/reminders/test/").status_code == 202


def test_test_sends_are_limited_on_the_page_too(alice, client, no_publish):
    client.force_login(alice)
    assert client.post("/reminders/test/").status_code == 302
    again = client.post("/reminders/test/")
    assert again.status_code == 429
    assert int(again["Retry-After"]) > 0
    assert b"One test reminder a minute" in again.content
    assert Delivery.objects.for_user(alice).count() == 1


# ---------------------------------------------------------------- the sweep


def _queue_length(queue="celery") -> int:
    import redis

    return redis.Redis.from_url(django_settings.CELERY_BROKER_URL).llen(queue)


@pytest.mark.django_db(transaction=True)
def test_the_sweep_republishes_only_rows_not_queued_recently_and_at_most_a_limit_a_tick(needs_redis, settings):
    import redis

    redis.Redis.from_url(django_settings.CELERY_BROKER_URL).flushdb()
    settings.REMINDER_SWEEP_LIMIT = 10
    settings.REMINDER_REQUEUE_AFTER_SECONDS = 300
    now = timezone.now()
    users = [UserFactory() for _ in range(25)]
    for user in users:  # never published, or their message was lost
        Delivery.objects.create(user=user, kind="test", slot=now, channel="in_app", next_attempt_at=now)
    # A backlog the workers have not reached yet: published a minute ago, still queued.
    a_minute_ago = now - dt.timedelta(seconds=60)
    waiting = [
        Delivery.objects.create(
            user=u, kind="test", slot=now, channel="in_app", next_attempt_at=now, queued_at=a_minute_ago
        )
        for u in users
    ]
    ticks = [dispatch.reminders_dispatch(now=now + dt.timedelta(seconds=i)).requeued for i in range(4)]
    assert ticks == [10, 10, 5, 0]
    assert _queue_length() == 3  # one chunk per tick that published anything
    assert set(Delivery.objects.filter(queued_at__isnull=True).values_list("id", flat=True)) == set()
    assert all(Delivery.objects.get(pk=row.pk).queued_at == row.queued_at for row in waiting)
    # Still not picked up five minutes after it was published: the message is taken as lost.
    later = now + dt.timedelta(seconds=241)
    assert dispatch.reminders_dispatch(now=later).requeued == 10


def test_a_failed_publish_leaves_the_row_for_the_next_sweep(
    alice, monkeypatch, settings, django_capture_on_commit_callbacks
):
    from tracker.celery import app

    settings.REMINDER_REQUEUE_AFTER_SECONDS = 300
    plan = all_window_plan(alice)
    make_due(plan)

    def broker_down(*args, **kwargs):
        raise ConnectionError("broker down")

    monkeypatch.setattr(app, "send_task", broker_down)
    with django_capture_on_commit_callbacks(execute=True) as published_after_commit:
        assert dispatch.reminders_dispatch().enqueued == 0
    assert len(published_after_commit) == 1
    row = Delivery.objects.get(user=alice)
    assert row.queued_at is None
    monkeypatch.undo()
    published = []
    monkeypatch.setattr(app, "send_task", lambda *a, **kw: published.append(kw["args"][0]))
    assert dispatch.reminders_dispatch().requeued == 1
    assert published == [[row.id]]


# ---------------------------------------------------------------- deactivated users


def test_a_deactivated_user_gets_nothing(alice, no_publish):
    plan = all_window_plan(alice, channels=["in_app", "webhook"], webhook_url="http://127.0.0.1:9/hook")
    queued = Delivery.objects.create(user=alice, kind="test", slot=timezone.now(), channel="in_app")
    alice.is_active = False
    alice.save()
    make_due(plan)
    result = dispatch.reminders_dispatch()
    assert result.plans_claimed == 1 and result.deliveries_created == 0
    plan.refresh_from_db()
    assert plan.next_due_at > timezone.now()  # moved on, not read again every minute
    assert sending.deliveries_send(delivery_ids=[queued.id]) == {"skipped": 1}
    queued.refresh_from_db()
    assert queued.status == Status.SKIPPED and "deactivated" in queued.error
    assert not Notification.objects.for_user(alice).exists()


# ---------------------------------------------------------------- snooze


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("9999-12-31T23:59:59+00:00", "between the years"),
        ("2026-12-01T10:00:00", "UTC offset"),
        ("in 400 days", "at most a year"),
    ],
)
def test_snoozed_until_needs_an_offset_and_a_sane_date(alice_api, value, message):
    if value == "in 400 days":
        value = (timezone.now() + dt.timedelta(days=400)).isoformat()
    response = alice_api.patch("/api/v1/reminders/plan/", {"snoozed_until": value}, format="json")
    assert response.status_code == 400, response.content
    assert message in " ".join(response.json()["snoozed_until"])


def test_a_snooze_with_an_offset_is_kept(alice_api, alice):
    until = (timezone.now() + dt.timedelta(hours=3)).astimezone(alice.zone).replace(microsecond=0)
    response = alice_api.patch("/api/v1/reminders/plan/", {"snoozed_until": until.isoformat()}, format="json")
    assert response.status_code == 200, response.json()
    assert Plan.objects.get(user=alice).snoozed_until == until


# ---------------------------------------------------------------- push subscriptions


def _subscribe(api, endpoint="https://push.example.net/send/abc", p256dh="B" * 87, auth="A" * 22):
    body = {"endpoint": endpoint, "keys": {"p256dh": p256dh, "auth": auth}}
    return api.post("/api/v1/reminders/push/subscription/", body, format="json")


def test_another_user_can_never_take_over_or_move_a_push_subscription(alice, bob, alice_api, bob_api):
    from reminders.models import PushSubscription

    assert _subscribe(alice_api).status_code == 201
    mine = PushSubscription.objects.get(user=alice)
    assert _subscribe(bob_api, p256dh="C" * 87, auth="D" * 22).status_code == 201
    mine.refresh_from_db()
    assert (mine.user_id, mine.p256dh, mine.auth) == (alice.id, "B" * 87, "A" * 22)
    assert PushSubscription.objects.filter(user=bob).count() == 1
    body = {"endpoint": mine.endpoint, "keys": {"p256dh": "x", "auth": "y"}}
    assert bob_api.delete("/api/v1/reminders/push/subscription/", body, format="json").status_code == 204
    assert PushSubscription.objects.filter(pk=mine.pk).exists()
    assert _subscribe(alice_api, p256dh="E" * 87).status_code == 201  # her own row is refreshed
    assert list(PushSubscription.objects.filter(user=alice).values_list("p256dh", flat=True)) == ["E" * 87]


@pytest.mark.parametrize(
    ("keys", "field"),
    [({"p256dh": "B" * 201, "auth": "A" * 22}, "p256dh"), ({"p256dh": "B" * 87, "auth": "A" * 101}, "auth")],
)
def test_push_keys_longer_than_the_columns_are_a_400(alice_api, keys, field):
    response = _subscribe(alice_api, p256dh=keys["p256dh"], auth=keys["auth"])
    assert response.status_code == 400
    assert field in response.json()["keys"]


def test_a_push_endpoint_longer_than_the_column_is_a_400(alice_api):
    response = _subscribe(alice_api, endpoint="https://push.example.net/" + "a" * 1000)
    assert response.status_code == 400 and "endpoint" in response.json()
