import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from reminders import dispatch, plans
from reminders.models import Delivery, Kind, Notification, Plan, PushSubscription
from tests.factories import ActivityFactory, EpisodeFactory


@pytest.fixture(autouse=True)
def no_broker(monkeypatch):
    monkeypatch.setattr(dispatch, "deliveries_enqueue", lambda **kw: 0)


def test_a_new_users_plan_is_on_with_in_app_reminders(alice_api):
    body = alice_api.get("/api/v1/reminders/plan/").json()
    assert body["enabled"] is True and body["channels"] == ["in_app"]
    assert (body["window_start"], body["window_end"], body["interval_minutes"]) == ("08:00", "21:00", 120)
    assert body["next_due_at"] is not None


def test_the_plan_can_be_changed_and_next_due_follows(alice_api, alice):
    response = alice_api.patch(
        "/api/v1/reminders/plan/",
        {"window_start": "22:00", "window_end": "02:00", "interval_minutes": 30, "quiet_days": [5, 6]},
        format="json",
    )
    assert response.status_code == 200, response.json()
    due = dt.datetime.fromisoformat(response.json()["next_due_at"]).astimezone(alice.zone)
    assert due.time() in {dt.time(22, 0), dt.time(22, 30)} or due.hour in (23, 0, 1, 2)
    assert due.weekday() not in (5, 6) or due.hour < 3


@pytest.mark.parametrize(
    "body, field",
    [
        ({"interval_minutes": 10}, "interval_minutes"),
        ({"channels": ["sms"]}, "channels"),
        ({"quiet_days": [7]}, "quiet_days"),
        ({"channels": ["webhook"]}, "webhook_url"),
        ({"next_due_at": "2026-01-01T00:00:00Z"}, "next_due_at"),
        ({"colour": "blue"}, "colour"),
        ({"window_start": "25:00"}, "window_start"),
    ],
)
def test_bad_plan_input_is_a_400_with_the_field(alice_api, body, field):
    response = alice_api.patch("/api/v1/reminders/plan/", body, format="json")
    assert response.status_code == 400 and field in response.json()


def test_put_replaces_the_plan(alice_api):
    body = {
        "enabled": False,
        "window_start": "07:00",
        "window_end": "19:00",
        "interval_minutes": 90,
        "smart": False,
        "checkin_prompt": False,
        "channels": ["in_app", "email"],
        "webhook_url": "",
        "quiet_days": [],
        "snoozed_until": None,
    }
    response = alice_api.put("/api/v1/reminders/plan/", body, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["next_due_at"] is None  # off: nothing due


def test_anonymous_calls_get_401(anon_api):
    for path in ("/api/v1/reminders/plan/", "/api/v1/reminders/deliveries/", "/api/v1/notifications/"):
        assert anon_api.get(path).status_code == 401
    assert anon_api.post("/api/v1/reminders/test/").status_code == 401


def deliveries(user, n):
    now = timezone.now()
    Delivery.objects.bulk_create(
        Delivery(user=user, slot=now - dt.timedelta(minutes=i), channel="in_app", kind=Kind.SCHEDULED) for i in range(n)
    )
    Notification.objects.bulk_create(
        Notification(user=user, title=f"n{i}", body="b", actions=[{"label": "x", "url": "/"}]) for i in range(n)
    )


@pytest.mark.parametrize("path", ["/api/v1/reminders/deliveries/", "/api/v1/notifications/"])
def test_list_endpoints_run_the_same_queries_for_1_and_100_rows(alice_api, alice, bob, path):
    # Alice's own rows (a list of bob's would be empty for her and count nothing), all on
    # one page, so a query per row would show.
    deliveries(bob, 5)
    alice_api.get(path)  # warm up the token lookup path
    counts = []
    for total, add in ((1, 1), (100, 99)):
        deliveries(alice, add)
        with CaptureQueriesContext(connection) as ctx:
            response = alice_api.get(path, {"page_size": 100})
        assert response.status_code == 200
        assert len(response.json()["results"]) == total
        counts.append(len(ctx))
    assert counts[0] == counts[1]


@pytest.mark.parametrize("path", ["/reminders/", "/notifications/"])
def test_pages_run_the_same_queries_for_1_and_100_rows(client, alice, path):
    client.force_login(alice)
    client.get(path)
    counts = []
    for n in (1, 99):
        deliveries(alice, n)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(path).status_code == 200
        counts.append(len(ctx))
    assert counts[0] == counts[1]


def test_lists_show_only_ones_own_rows(alice_api, bob_api, alice, bob):
    deliveries(alice, 3)
    deliveries(bob, 2)
    assert len(alice_api.get("/api/v1/reminders/deliveries/").json()["results"]) == 3
    assert len(bob_api.get("/api/v1/reminders/deliveries/").json()["results"]) == 2
    assert {n["title"] for n in bob_api.get("/api/v1/notifications/").json()["results"]} == {"n0", "n1"}


def test_bob_cannot_read_or_change_alices_notification_or_plan(alice_api, bob_api, alice):
    note = Notification.objects.create(user=alice, title="alice's", body="x")
    assert bob_api.patch(f"/api/v1/notifications/{note.id}/", {"read": True}, format="json").status_code == 404
    note.refresh_from_db()
    assert note.read is False
    alice_api.patch("/api/v1/reminders/plan/", {"interval_minutes": 45}, format="json")
    bob_api.patch("/api/v1/reminders/plan/", {"interval_minutes": 60}, format="json")
    assert Plan.objects.get(user=alice).interval_minutes == 45


def test_marking_a_notification_read(alice_api, alice):
    note = Notification.objects.create(user=alice, title="t", body="b")
    response = alice_api.patch(f"/api/v1/notifications/{note.id}/", {"read": True}, format="json")
    assert response.status_code == 200 and response.json()["read"] is True
    assert alice_api.patch(f"/api/v1/notifications/{note.id}/", {"title": "x"}, format="json").status_code == 400
    assert alice_api.get("/api/v1/notifications/?unread=1").json()["results"] == []


def test_the_test_endpoint_creates_one_delivery_per_enabled_channel(alice_api, alice):
    alice_api.patch("/api/v1/reminders/plan/", {"channels": ["in_app", "email"]}, format="json")
    response = alice_api.post("/api/v1/reminders/test/")
    assert response.status_code == 202
    assert sorted((d["kind"], d["channel"], d["status"]) for d in response.json()) == [
        ("test", "email", "pending"),
        ("test", "in_app", "pending"),
    ]


def test_push_subscribe_and_unsubscribe(alice_api, alice, bob_api, bob):
    sub = {"endpoint": "https://push.example.com/abc", "keys": {"p256dh": "BPxyz", "auth": "abc"}}
    assert alice_api.post("/api/v1/reminders/push/subscription/", sub, format="json").status_code == 201
    stored = PushSubscription.objects.get()
    assert (stored.user, stored.endpoint, stored.p256dh, stored.auth) == (alice, sub["endpoint"], "BPxyz", "abc")
    # What the channel hands to the push library: the browser's keys as it sent them.
    assert stored.subscription_info() == {"endpoint": sub["endpoint"], "keys": {"p256dh": "BPxyz", "auth": "abc"}}
    bad = alice_api.post("/api/v1/reminders/push/subscription/", {"endpoint": "x"}, format="json")
    assert bad.status_code == 400 and "endpoint" in bad.json()
    assert PushSubscription.objects.count() == 1
    # Bob cannot unsubscribe alice's browser; she can.
    bobs = bob_api.delete("/api/v1/reminders/push/subscription/", {"endpoint": sub["endpoint"]}, format="json")
    assert bobs.status_code == 204 and PushSubscription.objects.filter(user=alice).exists()
    response = alice_api.delete("/api/v1/reminders/push/subscription/", {"endpoint": sub["endpoint"]}, format="json")
    assert response.status_code == 204
    assert not PushSubscription.objects.exists()


# ---------------------------------------------------------------- event reminders


def events(user):
    return list(Delivery.objects.for_user(user).filter(kind=Kind.EVENT).values_list("payload", flat=True))


def test_vigorous_exercise_brings_an_electrolyte_cue(alice, django_capture_on_commit_callbacks):
    from tracker.logbook.advice import ELECTROLYTE_CUE

    plans.plan_get(user=alice)
    ActivityFactory(user=alice, intensity="vigorous", started_at=timezone.now() - dt.timedelta(minutes=40))
    assert [p["text"] for p in events(alice)] == [ELECTROLYTE_CUE]


def test_light_exercise_without_sweating_brings_nothing(alice):
    plans.plan_get(user=alice)
    ActivityFactory(user=alice, intensity="light", heavy_sweating=False)
    assert events(alice) == []


def test_a_cramp_brings_tips_and_the_red_flag_message(alice):
    from tracker.logbook.advice import CRAMP_TIPS, SEVERE_DEHYDRATION_MESSAGE

    plans.plan_get(user=alice)
    EpisodeFactory(user=alice, symptoms=["fainting"], started_at=timezone.now() - dt.timedelta(minutes=5))
    [payload] = events(alice)
    assert payload["text"].splitlines() == [SEVERE_DEHYDRATION_MESSAGE, *CRAMP_TIPS]


def test_entries_backfilled_more_than_two_hours_later_bring_nothing(alice):
    plans.plan_get(user=alice)
    EpisodeFactory(user=alice, started_at=timezone.now() - dt.timedelta(hours=3))
    ActivityFactory(
        user=alice, intensity="vigorous", duration_minutes=30, started_at=timezone.now() - dt.timedelta(hours=3)
    )
    assert events(alice) == []
