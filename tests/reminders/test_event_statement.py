"""The event reminder after a cramp or hard exercise, written by the entry's own INSERT
on PostgreSQL (reminders.events._event_statements reads the plan there too) and in
Python where the database cannot (event_reminders_for_entry): for every kind of plan,
both write the same rows and publish the same channels, and what they write is what the
plan asks for."""

import datetime as dt

import pytest
import time_machine
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext

from reminders import dispatch, events, plans
from reminders.models import Delivery, Notification, Plan
from tracker.diary import diary_day
from tracker.logbook import services
from tracker.logbook.advice import CRAMP_TIPS, ELECTROLYTE_CUE
from tracker.logbook.models import Episode

NOW = dt.datetime(2026, 3, 8, 7, 30, tzinfo=dt.UTC)
CRAMP = {"started_at": NOW.isoformat(), "duration_seconds": 60, "muscle": "calf", "severity": 4}

# A plan's settings -> (channel, status, attempts) of the deliveries written, in order,
# and whether the in-app notification is written.
PLANS = {
    "the plan of a new user": ({}, [("in_app", "sent", 1)], True),
    "in-app and email": ({"channels": ["in_app", "email"]}, [("in_app", "sent", 1), ("email", "pending", 0)], True),
    "email and push, in-app off": (
        {"channels": ["push", "email"]},
        [("push", "pending", 0), ("email", "pending", 0)],
        False,
    ),
    "email first, then in-app": (
        {"channels": ["email", "in_app"]},
        [("in_app", "sent", 1), ("email", "pending", 0)],
        True,
    ),
    "reminders off": ({"enabled": False, "channels": ["in_app", "email"]}, [], False),
    "no channel": ({"channels": []}, [], False),
}


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def published(monkeypatch):
    rows = []
    monkeypatch.setattr(dispatch, "deliveries_enqueue_rows", lambda *, rows_=rows, **kw: rows_.extend(kw["rows"]))
    return rows


def _written(user) -> tuple[list[tuple], list[dict]]:
    deliveries = [
        (d.channel, d.status, d.attempts)
        for d in Delivery.objects.for_user(user).order_by("id")
        if d.kind == "event" and d.payload.get("event") == "cramp"
    ]
    notifications = list(Notification.objects.for_user(user).values("title", "body", "actions", "read"))
    return deliveries, notifications


def _rows(user) -> list[dict]:
    # Every column but the ids; a notification names its delivery by channel.
    def values(row) -> dict:
        return {
            f.attname: getattr(row, f.attname) for f in row._meta.concrete_fields if f.attname not in ("id", "user_id")
        }

    deliveries = list(Delivery.objects.for_user(user).order_by("id"))
    channel_of = {d.id: d.channel for d in deliveries}
    notifications = [
        values(n) | {"delivery_id": channel_of[n.delivery_id]} for n in Notification.objects.for_user(user)
    ]
    return [values(d) for d in deliveries] + notifications


@pytest.mark.parametrize("name", list(PLANS))
def test_a_cramps_reminder_goes_to_the_plans_channels_in_its_own_statement(
    name, alice, alice_api, published, django_capture_on_commit_callbacks, needs_postgres
):
    settings, expected, notified = PLANS[name]
    plans.plan_update(plan=plans.plan_get(user=alice), **settings)
    with django_capture_on_commit_callbacks(execute=True), CaptureQueriesContext(connection) as ctx:
        assert alice_api.post("/api/v1/episodes/", CRAMP, format="json").status_code == 201
    deliveries, notifications = _written(alice)
    assert deliveries == expected
    if notified:
        assert notifications == [
            {"title": "After a cramp", "body": "\n".join(CRAMP_TIPS), "actions": [], "read": False}
        ]
    else:
        assert notifications == []
    # Only what leaves the app is published, once, after commit; the in-app copy never.
    pending = dict(Delivery.objects.for_user(alice).filter(status="pending").values_list("id", "channel"))
    assert sorted(published) == sorted(pending.items())
    # No read of the plan before the INSERT, no transaction: the plan is read inside it.
    sql = [q["sql"] for q in ctx.captured_queries]
    assert not any(s.startswith("SELECT") and "reminders_plan" in s for s in sql)
    assert not any(s in ("BEGIN", "COMMIT") or s.startswith("SAVEPOINT") for s in sql), sql
    assert Episode.objects.filter(user=alice).count() == 1


@pytest.mark.parametrize("name", list(PLANS))
def test_the_statement_writes_what_the_python_path_writes(
    name, alice, bob, published, django_capture_on_commit_callbacks, monkeypatch, needs_postgres
):
    # Alice through the entry's statement (PostgreSQL); Bob through event_reminders_for_entry,
    # the path of a database without data-modifying CTEs (SQLite).
    settings, _expected, _notified = PLANS[name]
    for user in (alice, bob):
        plans.plan_update(plan=plans.plan_get(user=user), **settings)
    with django_capture_on_commit_callbacks(execute=True):
        services.episode_log(user=alice, started_at=NOW, duration_seconds=60, muscle="calf", severity=4)
    alice_published = [channel for _id, channel in published]
    published.clear()
    monkeypatch.setattr(connection, "vendor", "sqlite")
    with django_capture_on_commit_callbacks(execute=True):
        services.episode_log(user=bob, started_at=NOW, duration_seconds=60, muscle="calf", severity=4)
    assert [channel for _id, channel in published] == alice_published
    assert _rows(alice) == _rows(bob)


def test_a_user_without_a_plan_gets_the_new_plans_tips_and_the_plan(alice, alice_api, published, needs_postgres):
    # A plan is made on a user's first page or plan request; an API-only user may log first.
    assert not Plan.objects.filter(user=alice).exists()
    assert alice_api.post("/api/v1/episodes/", CRAMP, format="json").status_code == 201
    assert _written(alice)[0] == [("in_app", "sent", 1)]
    plan = Plan.objects.get(user=alice)
    assert plan.enabled and plan.channels == ["in_app"] and plan.next_due_at is not None
    assert published == []


def test_hard_exercise_brings_its_cue_from_the_same_statement(alice, alice_api, needs_postgres):
    plans.plan_get(user=alice)
    exercise = {
        "started_at": (NOW - dt.timedelta(minutes=40)).isoformat(),
        "duration_minutes": 30,
        "kind": "running",
        "intensity": "vigorous",
    }
    alice_api.get("/api/v1/activities/")  # the token's first use also records when it was used
    with CaptureQueriesContext(connection) as ctx:
        assert alice_api.post("/api/v1/activities/", exercise, format="json").status_code == 201
    assert len(ctx.captured_queries) == 2  # the token, and the INSERT with all the rest
    [notification] = Notification.objects.for_user(alice)
    assert (notification.title, notification.body) == ("Replace what you sweated out", ELECTROLYTE_CUE)


def test_bobs_plan_decides_nothing_for_alice(alice, bob, alice_api, published, needs_postgres):
    plans.plan_get(user=alice)
    plans.plan_update(plan=plans.plan_get(user=bob), channels=["in_app", "email"])
    assert alice_api.post("/api/v1/episodes/", CRAMP, format="json").status_code == 201
    assert _written(alice)[0] == [("in_app", "sent", 1)]
    assert not Delivery.objects.for_user(bob).exists() and not Notification.objects.for_user(bob).exists()
    assert published == []


@pytest.mark.django_db(transaction=True)
def test_a_refused_cramp_writes_no_reminder_and_publishes_nothing(alice, published, needs_postgres):
    # The reminder's rows are part of the cramp's statement: a refused row takes them with it.
    plans.plan_update(plan=plans.plan_get(user=alice), channels=["in_app", "email"])
    day = diary_day(NOW, alice.zone, alice.day_starts_at)
    bad = Episode(user=alice, started_at=NOW, day=day, duration_seconds=60, muscle="calf", severity=11)
    payload = events.event_payload(entry=bad)
    with pytest.raises(IntegrityError):
        services._insert(bad, events._event_statements(user=alice, payload=payload, first=0), "default")
    assert not Delivery.objects.exists() and not Notification.objects.exists()
    assert published == []
