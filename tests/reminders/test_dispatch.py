import datetime as dt
import threading
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connections

from reminders import dispatch, plans, sending
from reminders.models import Delivery, Notification, Plan, Status
from tests.factories import IntakeFactory, UserFactory
from tests.reminders.conftest import make_plan

BERLIN = ZoneInfo("Europe/Berlin")


def berlin(*args):
    return dt.datetime(*args, tzinfo=BERLIN)


@pytest.fixture(autouse=True)
def no_broker(monkeypatch):
    # These tests drive the services directly; publishing is covered by the worker tests.
    published = []

    def enqueue(*, delivery_ids, outbound=False, countdown=None):
        published.append(delivery_ids)
        return 0

    monkeypatch.setattr(dispatch, "deliveries_enqueue", enqueue)
    return published


def dispatch_at(when):
    with time_machine.travel(when, tick=False):
        return dispatch.reminders_dispatch(now=when.astimezone(dt.UTC))


def send_at(when, ids=None):
    with time_machine.travel(when, tick=False):
        ids = ids if ids is not None else list(Delivery.objects.values_list("id", flat=True))
        return sending.deliveries_send(delivery_ids=ids)


@pytest.fixture
def plan(alice):
    with time_machine.travel(berlin(2026, 6, 10, 7, 0), tick=False):
        return make_plan(
            alice,
            window_start=dt.time(8),
            window_end=dt.time(20),
            interval_minutes=60,
            channels=["in_app", "webhook"],
            webhook_url="http://127.0.0.1:9/hook",
        )


def test_a_due_plan_yields_one_delivery_per_channel_and_advances(plan, alice):
    assert plan.next_due_at == berlin(2026, 6, 10, 8, 0)
    result = dispatch_at(berlin(2026, 6, 10, 8, 0, 20))
    rows = list(Delivery.objects.for_user(alice).order_by("channel"))
    assert [(r.channel, r.slot, r.status) for r in rows] == [
        ("in_app", berlin(2026, 6, 10, 8, 0), Status.PENDING),
        ("webhook", berlin(2026, 6, 10, 8, 0), Status.PENDING),
    ]
    assert result.plans_claimed == 1
    plan.refresh_from_db()
    assert plan.next_due_at == berlin(2026, 6, 10, 9, 0)


def test_rerunning_the_same_minute_creates_no_duplicates(plan, alice):
    dispatch_at(berlin(2026, 6, 10, 8, 0, 5))
    Plan.objects.filter(pk=plan.pk).update(next_due_at=berlin(2026, 6, 10, 8, 0))  # as if the move were lost
    dispatch_at(berlin(2026, 6, 10, 8, 0, 40))
    assert Delivery.objects.for_user(alice).count() == 2


def test_a_dispatcher_that_read_plans_another_one_then_claimed_creates_nothing(plan, alice, monkeypatch):
    # The race made deterministic: B runs to the end between A's read and A's claim.
    real_next = plans.next_slot_for
    calls = []

    def next_for_with_b_in_between(p, *, after, zone=None):
        if not calls:
            calls.append(None)
            calls[0] = dispatch.reminders_dispatch(now=after)
        return real_next(p, after=after, zone=zone)

    monkeypatch.setattr(plans, "next_slot_for", next_for_with_b_in_between)
    a = dispatch_at(berlin(2026, 6, 10, 8, 0, 20))
    assert calls[0].plans_claimed == 1 and a.plans_claimed == 0
    assert Delivery.objects.for_user(alice).count() == 2


@pytest.mark.django_db(transaction=True)
def test_two_dispatchers_at_once_create_no_duplicates(needs_postgres):
    # Threads need a real server: SQLite's shared in-memory test database reports
    # "table is locked" instead of waiting (a file database in WAL mode waits).
    users = [UserFactory(timezone="Europe/Berlin") for _ in range(30)]
    with time_machine.travel(berlin(2026, 6, 10, 7, 0), tick=False):
        for user in users:
            make_plan(user, window_start=dt.time(8), window_end=dt.time(20), interval_minutes=60, channels=["in_app"])
    now = berlin(2026, 6, 10, 8, 0, 30).astimezone(dt.UTC)
    barrier = threading.Barrier(2)
    results, errors = [], []

    def run():
        try:
            barrier.wait()
            results.append(dispatch.reminders_dispatch(now=now))
        except Exception as error:  # surfaced below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert Delivery.objects.count() == 30
    assert sum(r.plans_claimed for r in results) == 30
    assert set(Plan.objects.values_list("next_due_at", flat=True)) == {berlin(2026, 6, 10, 9, 0)}


def test_an_expired_slot_is_recorded_as_expired_and_never_sent(plan, alice):
    dispatch_at(berlin(2026, 6, 10, 8, 0, 10))
    late = berlin(2026, 6, 10, 8, 31)  # past the 30-minute expiry
    send_at(late)
    assert Notification.objects.count() == 0
    dispatch_at(late)
    statuses = set(Delivery.objects.filter(slot=berlin(2026, 6, 10, 8, 0)).values_list("status", flat=True))
    assert statuses == {Status.EXPIRED}
    assert Notification.objects.count() == 0


@pytest.fixture
def in_app_plan(alice):
    alice.daily_goal_ml = 2000
    alice.save()
    with time_machine.travel(berlin(2026, 6, 10, 7, 0), tick=False):
        return make_plan(alice, window_start=dt.time(8), window_end=dt.time(20), interval_minutes=60)


def drink(user, ml, when):
    with time_machine.travel(when, tick=False):
        IntakeFactory(user=user, volume_ml=ml, taken_at=when)


def test_a_slot_is_skipped_when_the_user_is_on_pace(in_app_plan, alice):
    drink(alice, 1100, berlin(2026, 6, 10, 13, 0))  # half the window gone, 1,000 ml due
    Plan.objects.filter(pk=in_app_plan.pk).update(next_due_at=berlin(2026, 6, 10, 14, 0))
    dispatch_at(berlin(2026, 6, 10, 14, 0, 5))
    send_at(berlin(2026, 6, 10, 14, 0, 6))
    row = Delivery.objects.get()
    assert row.status == Status.SKIPPED and "On pace" in row.error
    assert Notification.objects.count() == 0


def test_behind_pace_the_reminder_says_where_the_user_stands(in_app_plan, alice):
    drink(alice, 900, berlin(2026, 6, 10, 13, 0))
    Plan.objects.filter(pk=in_app_plan.pk).update(next_due_at=berlin(2026, 6, 10, 14, 0))
    dispatch_at(berlin(2026, 6, 10, 14, 0, 5))
    send_at(berlin(2026, 6, 10, 14, 0, 6))
    note = Notification.objects.get(user=alice)
    # By 15:00 7/12 of 2,000 ml is due: 1,167 - 900 -> 300 ml in 50 ml steps.
    assert note.body == "900 ml of 2,000 ml so far; 300 ml now keeps you on pace."
    assert [a["label"] for a in note.actions] == ["I drank 300 ml", "Snooze 1 h"]
    assert Delivery.objects.get().status == Status.SENT


def test_the_message_uses_the_users_units(in_app_plan, alice):
    alice.units = "us"
    alice.save()
    drink(alice, 900, berlin(2026, 6, 10, 13, 0))
    Plan.objects.filter(pk=in_app_plan.pk).update(next_due_at=berlin(2026, 6, 10, 14, 0))
    dispatch_at(berlin(2026, 6, 10, 14, 0, 5))
    send_at(berlin(2026, 6, 10, 14, 0, 6))
    assert Notification.objects.get().body == "30 fl oz of 68 fl oz so far; 10 fl oz now keeps you on pace."


def test_reminders_stop_for_the_day_at_the_goal(in_app_plan, alice):
    drink(alice, 2000, berlin(2026, 6, 10, 9, 30))
    Plan.objects.filter(pk=in_app_plan.pk).update(next_due_at=berlin(2026, 6, 10, 10, 0))
    dispatch_at(berlin(2026, 6, 10, 10, 0, 5))
    send_at(berlin(2026, 6, 10, 10, 0, 6))
    row = Delivery.objects.get()
    assert row.status == Status.SKIPPED and row.error == "Goal reached for today."


def test_the_first_reminder_of_the_window_is_sent_though_nothing_is_due_yet(in_app_plan, alice):
    dispatch_at(berlin(2026, 6, 10, 8, 0, 5))
    send_at(berlin(2026, 6, 10, 8, 0, 6))
    assert Notification.objects.get().body == "0 ml of 2,000 ml so far; 200 ml now keeps you on pace."


def test_without_smart_pacing_every_slot_is_sent(in_app_plan, alice):
    with time_machine.travel(berlin(2026, 6, 10, 9, 0), tick=False):
        plans.plan_update(plan=in_app_plan, smart=False)
    drink(alice, 2000, berlin(2026, 6, 10, 9, 30))
    dispatch_at(berlin(2026, 6, 10, 10, 0, 5))
    send_at(berlin(2026, 6, 10, 10, 0, 6))
    assert Delivery.objects.get().status == Status.SENT


def test_snoozing_an_hour_skips_the_slots_inside_it(in_app_plan, alice):
    with time_machine.travel(berlin(2026, 6, 10, 10, 5), tick=False):
        plans.plan_snooze_for(plan=in_app_plan)
    assert in_app_plan.next_due_at == berlin(2026, 6, 10, 12, 0)  # 11:00 falls inside the snooze
    dispatch_at(berlin(2026, 6, 10, 11, 0, 5))
    assert Delivery.objects.count() == 0


def test_snoozing_the_rest_of_today_resumes_tomorrow(in_app_plan, alice):
    with time_machine.travel(berlin(2026, 6, 10, 10, 5), tick=False):
        plans.plan_snooze_rest_of_day(plan=in_app_plan)
    assert in_app_plan.next_due_at == berlin(2026, 6, 11, 8, 0)


def test_quiet_days_get_no_reminders(in_app_plan, alice):
    with time_machine.travel(berlin(2026, 6, 10, 7, 0), tick=False):
        plans.plan_update(plan=in_app_plan, quiet_days=[2, 3])  # Wednesday, Thursday
    assert in_app_plan.next_due_at == berlin(2026, 6, 12, 8, 0)
    dispatch_at(berlin(2026, 6, 10, 8, 0, 5))
    dispatch_at(berlin(2026, 6, 11, 8, 0, 5))
    assert Delivery.objects.count() == 0


def test_the_evening_slot_asks_for_the_checkin_even_when_on_pace(in_app_plan, alice):
    drink(alice, 2500, berlin(2026, 6, 10, 19, 0))
    Plan.objects.filter(pk=in_app_plan.pk).update(next_due_at=berlin(2026, 6, 10, 20, 0), next_prompt="checkin")
    dispatch_at(berlin(2026, 6, 10, 20, 0, 5))
    send_at(berlin(2026, 6, 10, 20, 0, 6))
    note = Notification.objects.get()
    assert note.title == "How was your day?" and "check-in" in note.body


def test_a_disabled_plan_is_not_dispatched(in_app_plan, alice):
    with time_machine.travel(berlin(2026, 6, 10, 7, 0), tick=False):
        plans.plan_update(plan=in_app_plan, enabled=False)
    dispatch_at(berlin(2026, 6, 10, 8, 0, 5))
    assert Delivery.objects.count() == 0


def test_deliveries_older_than_90_days_are_pruned(alice):
    old = Delivery.objects.create(user=alice, slot=berlin(2026, 1, 1, 8), channel="in_app")
    Delivery.objects.filter(pk=old.pk).update(created_at=berlin(2026, 1, 1, 8))
    recent = Delivery.objects.create(user=alice, slot=berlin(2026, 6, 1, 8), channel="in_app")
    with time_machine.travel(berlin(2026, 6, 10, 8), tick=False):
        assert dispatch.reminders_prune() == (1, 0)
    assert list(Delivery.objects.values_list("id", flat=True)) == [recent.id]


def test_pruning_deletes_in_id_bounded_batches_and_notifications_have_a_retention(alice, bob, monkeypatch, settings):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from reminders.tasks import prune_deliveries

    monkeypatch.setattr(dispatch, "PRUNE_BATCH", 10)
    settings.REMINDER_NOTIFICATION_RETENTION_DAYS = 30
    long_ago = berlin(2026, 1, 1, 8)
    old = [Delivery(user=alice, kind="test", slot=long_ago, channel="in_app", created_at=long_ago) for _ in range(25)]
    Delivery.objects.bulk_create(old)
    kept = Delivery.objects.create(user=bob, slot=berlin(2026, 6, 1, 8), channel="in_app")
    Notification.objects.bulk_create(
        [Notification(user=alice, title="old", body="", created_at=berlin(2026, 5, 1, 8)) for _ in range(12)]
        + [Notification(user=bob, title="recent", body="", delivery=kept, created_at=berlin(2026, 6, 1, 8))]
    )
    with time_machine.travel(berlin(2026, 6, 10, 8), tick=False), CaptureQueriesContext(connection) as ctx:
        prune_deliveries()  # the periodic task
    assert list(Delivery.objects.values_list("id", flat=True)) == [kept.id]
    assert list(Notification.objects.values_list("title", flat=True)) == ["recent"]
    deletes = [q["sql"] for q in ctx.captured_queries if q["sql"].startswith("DELETE")]
    # 25 deliveries in batches of at most 10, 12 notifications in two batches: never one
    # unbounded DELETE of every old row.
    assert len([sql for sql in deletes if "reminders_delivery" in sql.split("WHERE")[0]]) == 3
    assert len([sql for sql in deletes if "reminders_notification" in sql.split("WHERE")[0]]) == 2


def test_sending_a_chunk_runs_the_same_queries_for_1_and_40_reminders(db):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for n in (1, 40):
        users = [UserFactory(timezone="Europe/Berlin", daily_goal_ml=2000) for _ in range(n)]
        with time_machine.travel(berlin(2026, 6, 10, 7, 0), tick=False):
            for user in users:
                make_plan(user, window_start=dt.time(8), window_end=dt.time(20), interval_minutes=60)
        when = berlin(2026, 6, 10, 8, 0, 5)
        dispatch_at(when)
        ids = list(Delivery.objects.filter(user__in=users).values_list("id", flat=True))
        with time_machine.travel(when, tick=False), CaptureQueriesContext(connection) as ctx:
            assert sending.deliveries_send(delivery_ids=ids) == {"sent": n}
        counts.append(len(ctx))
    assert counts[0] == counts[1]


def test_a_dispatch_in_many_batches_claims_every_due_plan_once(db, monkeypatch):
    monkeypatch.setattr(dispatch, "PLAN_BATCH", 3)
    users = [UserFactory(timezone=tz) for tz in ["Europe/Berlin", "America/New_York", "Asia/Kolkata"] * 4]
    with time_machine.travel(berlin(2026, 6, 10, 0, 0), tick=False):
        for user in users:
            make_plan(user, window_start=dt.time(0), window_end=dt.time(0), interval_minutes=60)
    # Due at different minutes before now, so the batches page through ties and gaps.
    for i, plan in enumerate(Plan.objects.order_by("id")):
        Plan.objects.filter(pk=plan.pk).update(next_due_at=berlin(2026, 6, 10, 8, i // 5))
    result = dispatch_at(berlin(2026, 6, 10, 8, 10))
    assert result.plans_claimed == 12
    assert Delivery.objects.count() == 12
    assert not Plan.objects.filter(next_due_at__lte=berlin(2026, 6, 10, 8, 10)).exists()


def test_an_in_app_reminder_sent_again_keeps_its_one_notification_and_its_working_links(in_app_plan, alice, client):
    dispatch_at(berlin(2026, 6, 10, 8, 0, 5))
    send_at(berlin(2026, 6, 10, 8, 0, 6))
    # As if the sweep had put the row back after its notification was written.
    Delivery.objects.update(status=Status.PENDING, claim_token="", claimed_until=None)
    send_at(berlin(2026, 6, 10, 8, 0, 30))
    note = Notification.objects.get(user=alice)
    assert note.delivery == Delivery.objects.get() and not note.read
    assert note.created_at == berlin(2026, 6, 10, 8, 0, 6)
    drink_link = note.actions[0]["url"]
    with time_machine.travel(berlin(2026, 6, 10, 8, 5), tick=False):
        assert "Log" in client.get(drink_link).content.decode()
