"""An Idempotency-Key header makes a POST apply once per user and key."""

import datetime as dt
import threading

import pytest
import time_machine
from django.db import connections

from accounts.models import IdempotencyKey
from tests.conftest import token_client
from tests.factories import MedicationFactory
from tracker.logbook.models import CheckIn, Dose, Episode, Intake

NOW = dt.datetime(2026, 11, 10, 12, 0, tzinfo=dt.UTC)
INTAKE = {"taken_at": NOW.isoformat(), "volume_ml": 250}


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def post(api, url, body, key):
    return api.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY=key)


CREATES = {
    "episodes": lambda user: {"started_at": NOW.isoformat(), "duration_seconds": 30, "muscle": "calf", "severity": 3},
    "intakes": lambda user: INTAKE,
    "activities": lambda user: {
        "started_at": NOW.isoformat(),
        "duration_minutes": 30,
        "kind": "yoga",
        "intensity": "light",
    },
    "doses": lambda user: {"taken_at": NOW.isoformat(), "medication": MedicationFactory(user=user).pk},
    "checkins": lambda user: {"day": "2026-11-09"},
    "medications": lambda user: {"name": "Tablet", "drug_class": "statin"},
}


@pytest.mark.parametrize("name", CREATES)
def test_the_same_key_twice_creates_one_row_and_replays_the_first_response(alice, alice_api, name):
    body = CREATES[name](alice)
    first = post(alice_api, f"/api/v1/{name}/", body, "retry-1")
    second = post(alice_api, f"/api/v1/{name}/", body, "retry-1")
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    if name != "checkins":  # (a second check-in for the day would be refused anyway)
        third = alice_api.post(f"/api/v1/{name}/", body, format="json")
        assert third.status_code == 201 and third.json()["id"] != first.json()["id"]  # no key: a new row


def test_a_new_key_is_a_new_row(alice_api):
    post(alice_api, "/api/v1/intakes/", INTAKE, "a")
    post(alice_api, "/api/v1/intakes/", INTAKE, "b")
    assert Intake.objects.count() == 2


def test_keys_are_scoped_per_user(alice, bob):
    post(token_client(alice), "/api/v1/intakes/", INTAKE, "same")
    post(token_client(bob), "/api/v1/intakes/", INTAKE, "same")
    assert {i.user for i in Intake.objects.all()} == {alice, bob}


def test_reusing_a_key_for_a_different_body_is_a_400(alice_api):
    post(alice_api, "/api/v1/intakes/", INTAKE, "k")
    response = post(alice_api, "/api/v1/intakes/", {**INTAKE, "volume_ml": 500}, "k")
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()
    assert Intake.objects.count() == 1


def test_a_failed_create_keeps_no_key_so_a_corrected_retry_applies(alice_api):
    bad = post(alice_api, "/api/v1/episodes/", {"started_at": NOW.isoformat()}, "fix-me")
    assert bad.status_code == 400
    assert not IdempotencyKey.objects.exists()
    good = {"started_at": NOW.isoformat(), "duration_seconds": 30, "muscle": "calf", "severity": 3}
    assert post(alice_api, "/api/v1/episodes/", good, "fix-me").status_code == 201
    assert Episode.objects.count() == 1


def test_a_key_expires_after_24_hours(alice_api):
    post(alice_api, "/api/v1/intakes/", INTAKE, "old")
    with time_machine.travel(NOW + dt.timedelta(hours=25), tick=False):
        response = post(alice_api, "/api/v1/intakes/", INTAKE, "old")
    assert response.status_code == 201 and "Idempotent-Replayed" not in response
    assert Intake.objects.count() == 2


@pytest.mark.parametrize("key", ["x" * 201, "has space", "naïve"])
def test_a_malformed_key_is_a_400(alice_api, key):
    response = post(alice_api, "/api/v1/intakes/", INTAKE, key)
    assert response.status_code == 400
    assert not Intake.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicates_create_one_row(needs_postgres, alice):
    medication = MedicationFactory(user=alice)
    clients = [token_client(alice) for _ in range(4)]
    body = {"taken_at": NOW.isoformat(), "medication": medication.pk}
    barrier = threading.Barrier(len(clients))
    responses = []

    def send(client):
        try:
            barrier.wait()
            responses.append(post(client, "/api/v1/doses/", body, "concurrent"))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert Dose.objects.count() == 1
    assert [r.status_code for r in responses] == [201] * len(clients)
    assert len({r.json()["id"] for r in responses}) == 1
    assert sum(r.has_header("Idempotent-Replayed") for r in responses) == len(clients) - 1


def test_a_checkin_replay_is_not_mistaken_for_a_second_checkin(alice_api):
    first = post(alice_api, "/api/v1/checkins/", {"day": "2026-11-09"}, "ci")
    again = post(alice_api, "/api/v1/checkins/", {"day": "2026-11-09"}, "ci")
    assert (first.status_code, again.status_code) == (201, 201)
    assert CheckIn.objects.count() == 1


def test_the_hourly_prune_forgets_keys_older_than_24_hours(alice_api):
    from accounts.tasks import idempotency_keys_prune

    post(alice_api, "/api/v1/intakes/", INTAKE, "old")
    with time_machine.travel(NOW + dt.timedelta(hours=23), tick=False):
        post(alice_api, "/api/v1/intakes/", {**INTAKE, "volume_ml": 300}, "newer")
    with time_machine.travel(NOW + dt.timedelta(hours=25), tick=False):
        assert idempotency_keys_prune() == 1
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["newer"]
