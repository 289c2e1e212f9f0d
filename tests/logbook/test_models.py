"""Each model's validation, through the services that every page and endpoint uses,
and the database constraints that hold even when code bypasses the services."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts.services import medication_create, profile_update
from tests.factories import CheckInFactory, MedicationFactory
from tracker.logbook import services
from tracker.logbook.models import CheckIn, Episode, Intake

NOW = dt.datetime(2026, 11, 10, 12, 0, tzinfo=dt.UTC)
EARLIER = NOW - dt.timedelta(hours=1)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def errors_of(call) -> dict:
    with pytest.raises(ValidationError) as info:
        call()
    return info.value.message_dict


EPISODE = {"started_at": EARLIER, "duration_seconds": 60, "muscle": "calf", "severity": 5}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"duration_seconds": 0}, "duration_seconds"),
        ({"duration_seconds": 7201}, "duration_seconds"),
        ({"severity": 11}, "severity"),
        ({"muscle": "elbow"}, "muscle"),
        ({"side": "middle"}, "side"),
        ({"context": "dancing"}, "context"),
        ({"symptoms": ["hiccups"]}, "symptoms"),
        ({"relief": ["massage", "massage"]}, "relief"),
        ({"notes": "x" * 2001}, "notes"),
        ({"started_at": NOW + dt.timedelta(minutes=11)}, "started_at"),
        ({"started_at": dt.datetime(2026, 11, 10, 9, 0)}, "started_at"),  # naive
    ],
)
def test_an_episode_is_validated(alice, change, field):
    assert field in errors_of(lambda: services.episode_log(user=alice, **{**EPISODE, **change}))
    assert not Episode.objects.exists()


def test_a_valid_episode_up_to_two_hours_is_stored(alice):
    episode = services.episode_log(user=alice, **{**EPISODE, "duration_seconds": 7200, "severity": 0})
    assert episode.pk and episode.day == dt.date(2026, 11, 10)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"volume_ml": 0}, "volume_ml"),
        ({"volume_ml": 5001}, "volume_ml"),
        ({"beverage": "lemonade"}, "beverage"),
        ({"potassium_mg": 10001}, "potassium_mg"),
        ({"magnesium_mg": 5001}, "magnesium_mg"),
    ],
)
def test_an_intake_is_validated(alice, change, field):
    fields = {"taken_at": EARLIER, "volume_ml": 250, **change}
    assert field in errors_of(lambda: services.intake_log(user=alice, **fields))


@pytest.mark.parametrize(
    ("change", "field"),
    [({"duration_minutes": 0}, "duration_minutes"), ({"kind": "chess"}, "kind"), ({"intensity": "max"}, "intensity")],
)
def test_an_activity_is_validated(alice, change, field):
    fields = {"started_at": EARLIER, "duration_minutes": 30, "kind": "running", "intensity": "light", **change}
    assert field in errors_of(lambda: services.activity_log(user=alice, **fields))


def test_a_dose_must_be_of_ones_own_medication(alice, bob):
    bobs = MedicationFactory(user=bob)
    assert "medication" in errors_of(lambda: services.dose_log(user=alice, taken_at=EARLIER, medication=bobs))


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"sitting_hours": 24.5}, "sitting_hours"),
        ({"standing_hours": -1}, "standing_hours"),
        ({"fatigue": 0}, "fatigue"),
        ({"stress": 6}, "stress"),
        ({"alcohol_units": 101}, "alcohol_units"),
        ({"illness": ["cold"]}, "illness"),
        ({"dehydration_signs": ["itching"]}, "dehydration_signs"),
        ({"potassium_rich_servings": 31}, "potassium_rich_servings"),
        ({"day": dt.date(2026, 11, 11)}, "day"),  # tomorrow in Berlin
    ],
)
def test_a_checkin_is_validated(alice, change, field):
    fields = {"day": dt.date(2026, 11, 9), **change}
    assert field in errors_of(lambda: services.checkin_save(user=alice, **fields))
    assert not CheckIn.objects.exists()


def test_a_second_checkin_for_a_day_is_refused_with_a_patch_hint(alice, bob):
    CheckInFactory(user=alice, day=dt.date(2026, 11, 9))
    message = errors_of(lambda: services.checkin_save(user=alice, day=dt.date(2026, 11, 9)))["day"][0]
    assert "PATCH" in message
    CheckInFactory(user=bob, day=dt.date(2026, 11, 9))  # another user's day is free


def test_a_medication_cannot_stop_before_it_starts(alice):
    errors = errors_of(
        lambda: medication_create(
            user=alice,
            name="Water tablet",
            drug_class="diuretic",
            started_on=dt.date(2026, 5, 1),
            stopped_on=dt.date(2026, 4, 1),
        )
    )
    assert "stopped_on" in errors
    assert "drug_class" in errors_of(lambda: medication_create(user=alice, name="X", drug_class="vitamin"))


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"timezone": "Mars/Olympus_Mons"}, "timezone"),
        ({"daily_goal_ml": 100}, "daily_goal_ml"),
        ({"daily_goal_ml": 9000}, "daily_goal_ml"),
        ({"body_weight_kg": 5}, "body_weight_kg"),
        ({"conditions": ["flu"]}, "conditions"),
        ({"units": "imperial"}, "units"),
        ({"week_starts_on": "friday"}, "week_starts_on"),
    ],
)
def test_a_profile_is_validated(alice, change, field):
    assert field in errors_of(lambda: profile_update(user=alice, **change))


@pytest.mark.parametrize(
    ("model", "fields"),
    [
        (Intake, {"taken_at": EARLIER, "day": dt.date(2026, 11, 10), "volume_ml": 6000, "effective_ml": 6000}),
        (Episode, {"started_at": EARLIER, "day": dt.date(2026, 11, 10), "duration_seconds": 60, "severity": 12}),
        (Episode, {"started_at": EARLIER, "day": dt.date(2026, 11, 10), "duration_seconds": 0, "severity": 1}),
        (CheckIn, {"day": dt.date(2026, 11, 10), "fatigue": 9}),
    ],
)
def test_the_database_refuses_out_of_range_rows_that_bypass_the_services(alice, model, fields):
    with pytest.raises(IntegrityError), transaction.atomic():
        model.objects.create(user=alice, **fields)


def test_the_database_refuses_a_second_checkin_for_a_day(alice):
    CheckIn.objects.create(user=alice, day=dt.date(2026, 11, 9))
    with pytest.raises(IntegrityError), transaction.atomic():
        CheckIn.objects.create(user=alice, day=dt.date(2026, 11, 9))
