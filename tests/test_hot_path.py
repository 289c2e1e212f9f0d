"""The logging hot path (issue 14): what each write costs in queries, and that the
work saved did not skip a rule."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import IdempotencyKey
from tracker.logbook.api import EpisodeSerializer, IntakeSerializer
from tracker.logbook.models import Intake

NOW = dt.datetime(2026, 3, 8, 7, 30, tzinfo=dt.UTC)  # 02:30 in New York, the night of the DST change
INTAKE = {"taken_at": NOW.isoformat(), "volume_ml": 250}


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def _queries(api, body, **headers) -> list[str]:
    with CaptureQueriesContext(connection) as ctx:
        response = api.post("/api/v1/intakes/", body, format="json", **headers)
    assert response.status_code == 201, response.content
    return [q["sql"] for q in ctx.captured_queries]


def test_an_idempotency_key_costs_its_lookup_insert_and_stored_response_only(alice_api):
    # The key's own work: look it up, insert it, store the response; the savepoint pair is
    # the logbook's transaction nested in the key's. Before, every keyed POST also ran a
    # DELETE of an expired copy of the key in a transaction of its own.
    _queries(alice_api, INTAKE)  # the token's first use also records when it was used
    plain = _queries(alice_api, INTAKE)
    keyed = _queries(alice_api, INTAKE, HTTP_IDEMPOTENCY_KEY="tap-1")
    assert len(keyed) - len(plain) == 5
    assert not any(sql.startswith("DELETE") for sql in keyed)
    assert Intake.objects.count() == 3


def test_an_expired_key_is_forgotten_when_it_comes_back_and_applies_anew(alice, alice_api):
    first = alice_api.post("/api/v1/intakes/", INTAKE, format="json", HTTP_IDEMPOTENCY_KEY="old")
    later = NOW + dt.timedelta(hours=25)
    with time_machine.travel(later, tick=False):
        again = alice_api.post(
            "/api/v1/intakes/", {**INTAKE, "taken_at": later.isoformat()}, format="json", HTTP_IDEMPOTENCY_KEY="old"
        )
        replay = alice_api.post(
            "/api/v1/intakes/", {**INTAKE, "taken_at": later.isoformat()}, format="json", HTTP_IDEMPOTENCY_KEY="old"
        )
    assert (first.status_code, again.status_code, replay.status_code) == (201, 201, 201)
    assert "Idempotent-Replayed" not in again and replay["Idempotent-Replayed"] == "true"
    assert replay.json() == again.json() != first.json()
    assert Intake.objects.count() == 2
    assert IdempotencyKey.objects.get(user=alice, key="old").created_at == later


def test_serializer_fields_are_built_once_per_class_but_never_shared(alice_api):
    one, two = IntakeSerializer(), IntakeSerializer()
    assert set(one.fields) == set(two.fields)
    assert all(one.fields[name] is not two.fields[name] for name in one.fields)
    # A change to one request's field (DRF binds each to its serializer) stays there.
    one.fields["volume_ml"].max_value = 1
    assert IntakeSerializer().fields["volume_ml"].max_value != 1
    assert set(EpisodeSerializer().fields) != set(one.fields)  # one prototype per class


@pytest.mark.parametrize(
    "body, field",
    [
        ({**INTAKE, "volume_ml": "250"}, "volume_ml"),  # strict types still checked
        ({**INTAKE, "volume_ml": 6000}, "volume_ml"),  # model validators still run
        ({**INTAKE, "taken_at": "2026-03-08T02:30:00"}, "taken_at"),  # no offset
        ({**INTAKE, "surprise": 1}, "surprise"),  # unknown field
    ],
)
def test_the_strict_rules_hold_on_every_request_not_only_the_first(alice_api, body, field):
    for _ in range(2):
        response = alice_api.post("/api/v1/intakes/", body, format="json")
        assert response.status_code == 400 and field in response.json()
    assert not Intake.objects.exists()


def test_a_web_worker_imports_the_views_when_it_boots_not_on_its_first_request():
    import subprocess
    import sys
    from pathlib import Path

    modules = ("tracker.logbook.views", "tracker.reports.charts")
    code = f"import sys, tracker.wsgi; print(*(m in sys.modules for m in {modules!r}))"
    root = Path(__file__).resolve().parent.parent
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split() == ["True", "True"]
