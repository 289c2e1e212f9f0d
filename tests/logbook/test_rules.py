"""The documented rules, with vectors worked out by hand: the suggested goal, the
beverage hydration factors and alcohol units, and the recompute of stored diary days
when the timezone or day start changes."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

import accounts.tasks
from accounts.goals import suggested_goal_ml
from accounts.services import profile_update
from tests.factories import ActivityFactory, DoseFactory, EpisodeFactory, IntakeFactory
from tracker.logbook import beverages
from tracker.logbook.models import Beverage, Intake
from tracker.logbook.services import diary_days_recompute

NOW = dt.datetime(2026, 11, 10, 12, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"body_weight_kg": 70}, 2100),  # 70 x 30 = 2,100
        ({"body_weight_kg": Decimal("63.0")}, 1900),  # 1,890 rounds to the nearest 50
        ({"body_weight_kg": Decimal("71.7")}, 2150),  # 2,151 -> 2,150
        ({"body_weight_kg": None}, 2000),  # no weight: EFSA's 2.0 L
        ({"body_weight_kg": 70, "pregnant": True}, 2400),  # 2,100 + 300
        ({"body_weight_kg": 80, "exercise_minutes": 60}, 2900),  # 2,400 + 500 per hour
        ({"body_weight_kg": 80, "exercise_minutes": 45}, 2800),  # 2,400 + 375 = 2,775 -> 2,800
        ({"body_weight_kg": 70, "exercise_minutes": 3}, 2150),  # 2,100 + 25 = 2,125: halves round up
        ({"body_weight_kg": 40}, 1500),  # 1,200 is below the 1,500 floor
        ({"body_weight_kg": 200}, 5000),  # 6,000 is above the 5,000 ceiling
    ],
)
def test_the_suggested_goal_follows_the_documented_formula(kwargs, expected):
    assert suggested_goal_ml(**kwargs) == expected


@pytest.mark.parametrize(
    ("volume", "beverage", "effective", "units"),
    [
        (250, "water", 250, "0.00"),
        (250, "milk", 375, "0.00"),  # x 1.5 (Maughan 2016: full-fat milk 1.50)
        (500, "oral_rehydration_solution", 750, "0.00"),  # x 1.5 (ORS 1.54)
        (333, "juice", 466, "0.00"),  # 333 x 1.4 = 466.2
        (330, "electrolyte_drink", 363, "0.00"),  # x 1.1 (sports drink 1.13)
        (200, "coffee", 200, "0.00"),  # coffee and tea not different from water
        (500, "beer", 500, "2.00"),  # 500 ml x 4% = 20 ml ethanol = 2 units
        (125, "beer", 125, "0.50"),
        (175, "wine", 140, "2.10"),  # x 0.8 (assumed); 175 x 12% = 21 ml = 2.1 units
        (50, "spirits", 25, "2.00"),  # x 0.5 (assumed); 50 x 40% = 20 ml = 2 units
    ],
)
def test_hydration_factors_and_alcohol_units(volume, beverage, effective, units):
    assert beverages.effective_ml(volume_ml=volume, beverage=beverage) == effective
    assert beverages.alcohol_units(volume_ml=volume, beverage=beverage) == Decimal(units)


def test_every_beverage_has_a_factor_and_a_source():
    assert set(beverages.BEVERAGES) == set(Beverage.values)
    assert all(info.source for info in beverages.BEVERAGES.values())


def test_an_intake_stores_its_effective_fluid_when_written(alice):
    with time_machine.travel(NOW, tick=False):
        intake = IntakeFactory(user=alice, taken_at=NOW, volume_ml=300, beverage="milk")
    assert Intake.objects.get(pk=intake.pk).effective_ml == 450


# Recompute -----------------------------------------------------------------------


def _rows_at(user, instant):
    return [
        EpisodeFactory(user=user, started_at=instant),
        IntakeFactory(user=user, taken_at=instant),
        ActivityFactory(user=user, started_at=instant),
        DoseFactory(user=user, taken_at=instant),
    ]


def _days(rows):
    for row in rows:
        row.refresh_from_db()
    return {row.day for row in rows}


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def test_a_new_day_start_recomputes_the_stored_days(alice, frozen):
    # 03:30 Berlin on 5 Nov: diary day 4 Nov with the 04:00 start, 5 Nov with 03:00.
    rows = _rows_at(alice, dt.datetime(2026, 11, 5, 3, 30, tzinfo=ZoneInfo("Europe/Berlin")))
    assert _days(rows) == {dt.date(2026, 11, 4)}
    alice.day_starts_at = dt.time(3, 0)
    alice.save()
    assert diary_days_recompute(user=alice) == 4
    assert _days(rows) == {dt.date(2026, 11, 5)}
    assert diary_days_recompute(user=alice) == 0  # idempotent


def test_a_new_timezone_recomputes_the_stored_days(alice, bob, frozen):
    # 23:30 UTC on 4 Nov is 00:30 on 5 Nov in Berlin (before 04:00: diary day 4 Nov),
    # 13:30 on 5 Nov in Kiritimati (UTC+14) and 18:30 on 4 Nov in New York.
    late = _rows_at(alice, dt.datetime(2026, 11, 4, 23, 30, tzinfo=dt.UTC))  # 00:30 Berlin -> 4 Nov
    bobs = _rows_at(bob, dt.datetime(2026, 11, 4, 23, 30, tzinfo=dt.UTC))  # 18:30 New York -> 4 Nov
    assert _days(late) == {dt.date(2026, 11, 4)}
    alice.timezone = "Pacific/Kiritimati"
    alice.save()
    diary_days_recompute(user=alice)
    assert _days(late) == {dt.date(2026, 11, 5)}
    assert _days(bobs) == {dt.date(2026, 11, 4)}  # nobody else's rows move


def test_changing_the_timezone_through_the_api_refiles_the_rows_after_commit(
    alice, alice_api, frozen, django_capture_on_commit_callbacks, monkeypatch
):
    rows = _rows_at(alice, dt.datetime(2026, 11, 4, 23, 30, tzinfo=dt.UTC))
    # No worker here: run the real task body where the broker would deliver it.
    monkeypatch.setattr(accounts.tasks.diary_days_recompute, "delay", accounts.tasks.diary_days_recompute)
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_api.patch("/api/v1/me/", {"timezone": "Pacific/Kiritimati"}, format="json")
    assert response.status_code == 200
    assert _days(rows) == {dt.date(2026, 11, 5)}


def test_the_recompute_runs_inline_when_the_broker_is_down(
    alice, frozen, django_capture_on_commit_callbacks, monkeypatch
):
    rows = _rows_at(alice, dt.datetime(2026, 11, 4, 23, 30, tzinfo=dt.UTC))

    def broker_down(*args):
        raise ConnectionRefusedError("broker down")

    monkeypatch.setattr(accounts.tasks.diary_days_recompute, "delay", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        profile_update(user=alice, timezone="Pacific/Kiritimati")
    assert _days(rows) == {dt.date(2026, 11, 5)}


def test_a_profile_change_that_keeps_zone_and_day_start_recomputes_nothing(
    alice, frozen, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        profile_update(user=alice, body_weight_kg=Decimal("70.0"), timezone="Europe/Berlin")
    assert callbacks == []
