"""The night rule (tracker.logbook.night): one definition, stored on the episode,
read by the API and the weekly report, recomputed when the sleep window moves."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

import accounts.tasks
from tests.factories import EpisodeFactory
from tracker.logbook.models import Episode
from tracker.logbook.night import in_sleep_window, is_night, last_sleep_window

NEW_YORK = ZoneInfo("America/New_York")
# Tuesday 10 Nov 2026, 07:30 in New York: the morning after.
NOW = dt.datetime(2026, 11, 10, 7, 30, tzinfo=NEW_YORK).astimezone(dt.UTC)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def ny(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=NEW_YORK).astimezone(dt.UTC)


@pytest.mark.parametrize(
    ("local_time", "expected"),
    [
        (dt.time(22, 59), False),
        (dt.time(23, 0), True),
        (dt.time(3, 0), True),
        (dt.time(6, 59), True),
        (dt.time(7), False),
    ],
)
def test_the_default_window_crosses_midnight_from_23_to_07(local_time, expected):
    assert in_sleep_window(local_time, dt.time(23), dt.time(7)) is expected


def test_a_day_sleepers_window_does_not_cross_midnight():
    assert in_sleep_window(dt.time(12), dt.time(9), dt.time(17))
    assert not in_sleep_window(dt.time(3), dt.time(9), dt.time(17))


def test_the_window_is_on_the_local_wall_clock_also_on_a_dst_night():
    # 1 Nov 2026: New York falls back at 02:00; 01:30 happens twice, both are night.
    first = dt.datetime(2026, 11, 1, 1, 30, tzinfo=NEW_YORK, fold=0)
    second = dt.datetime(2026, 11, 1, 1, 30, tzinfo=NEW_YORK, fold=1)
    assert is_night(first, NEW_YORK) and is_night(second, NEW_YORK)
    assert not is_night(ny(2026, 11, 1, 7, 30), NEW_YORK)


@pytest.mark.parametrize("context", ["walking", "standing", "exercising", "sitting", "after_exercise"])
def test_an_awake_context_is_never_a_night_cramp(context):
    assert not is_night(ny(2026, 11, 10, 3, 0), NEW_YORK, context=context)


@pytest.mark.parametrize("context", ["", "asleep", "resting", "other"])
def test_inside_the_window_any_other_context_is_a_night_cramp(context):
    assert is_night(ny(2026, 11, 10, 3, 0), NEW_YORK, context=context)


def test_last_night_is_the_window_that_ended_this_morning():
    start, end = last_sleep_window(NOW, NEW_YORK, dt.time(23), dt.time(7))
    assert (start.replace(tzinfo=None), end.replace(tzinfo=None)) == (
        dt.datetime(2026, 11, 9, 23, 0),
        dt.datetime(2026, 11, 10, 7, 0),
    )
    # At 03:00 the night is not over: "last night" is the one before.
    start, _end = last_sleep_window(ny(2026, 11, 10, 3, 0), NEW_YORK, dt.time(23), dt.time(7))
    assert start.astimezone(NEW_YORK).date() == dt.date(2026, 11, 8)


def test_an_api_client_posting_only_started_at_in_the_window_gets_a_night_cramp(bob, bob_api, frozen):
    """Defect: a cramp counted as night only with context "asleep" or "woke me up"."""
    payload = {
        "started_at": ny(2026, 11, 10, 3, 0).isoformat(),
        "duration_seconds": 60,
        "muscle": "calf",
        "severity": 7,
    }
    response = bob_api.post("/api/v1/episodes/", payload, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["at_night"] is True
    assert response.json()["sleep_disturbed"] is False
    afternoon = {**payload, "started_at": ny(2026, 11, 9, 15, 0).isoformat(), "sleep_disturbed": True}
    assert bob_api.post("/api/v1/episodes/", afternoon, format="json").json()["at_night"] is False

    report = bob_api.get("/api/v1/reports/weekly/", {"week": "2026-W46"}).json()
    assert report["episodes"]["count"] == 2
    assert report["episodes"]["night_count"] == 1


def test_at_night_is_read_only_in_the_api(bob, bob_api, frozen):
    payload = {
        "started_at": ny(2026, 11, 9, 15, 0).isoformat(),
        "duration_seconds": 60,
        "muscle": "calf",
        "severity": 7,
        "at_night": True,
    }
    response = bob_api.post("/api/v1/episodes/", payload, format="json")
    assert response.status_code == 400
    assert "at_night" in response.json()


def test_a_walk_at_three_in_the_morning_is_not_a_night_cramp(bob, bob_api, frozen):
    EpisodeFactory(user=bob, started_at=ny(2026, 11, 10, 3, 0), context="walking")
    report = bob_api.get("/api/v1/reports/weekly/", {"week": "2026-W46"}).json()
    assert (report["episodes"]["count"], report["episodes"]["night_count"]) == (1, 0)


def test_the_sleep_window_is_on_the_profile_and_patching_it_refiles_the_nights(
    bob, bob_api, frozen, django_capture_on_commit_callbacks, monkeypatch
):
    early = EpisodeFactory(user=bob, started_at=ny(2026, 11, 9, 21, 30))
    late = EpisodeFactory(user=bob, started_at=ny(2026, 11, 10, 6, 30))
    assert (early.at_night, late.at_night) == (False, True)
    profile = bob_api.get("/api/v1/me/").json()
    assert (profile["sleep_starts_at"], profile["sleep_ends_at"]) == ("23:00", "07:00")

    # No worker here: run the real task body where the broker would deliver it.
    monkeypatch.setattr(accounts.tasks.diary_days_recompute, "delay", accounts.tasks.diary_days_recompute)
    with django_capture_on_commit_callbacks(execute=True):
        response = bob_api.patch("/api/v1/me/", {"sleep_starts_at": "21:00", "sleep_ends_at": "06:00"}, format="json")
    assert response.status_code == 200, response.content
    assert Episode.objects.get(pk=early.pk).at_night is True
    assert Episode.objects.get(pk=late.pk).at_night is False


def test_a_changed_timezone_refiles_the_nights(bob, frozen):
    from tracker.logbook.services import diary_days_recompute

    episode = EpisodeFactory(user=bob, started_at=ny(2026, 11, 10, 3, 0))  # 09:00 in Berlin
    assert episode.at_night
    bob.timezone = "Europe/Berlin"
    bob.save()
    diary_days_recompute(user=bob)
    assert Episode.objects.get(pk=episode.pk).at_night is False


@pytest.mark.parametrize("body", [{"sleep_starts_at": "23:00", "sleep_ends_at": "23:00"}, {"sleep_ends_at": "7"}])
def test_an_empty_or_malformed_sleep_window_is_a_400(bob_api, body):
    response = bob_api.patch("/api/v1/me/", body, format="json")
    assert response.status_code == 400
    assert "sleep_ends_at" in response.json()
