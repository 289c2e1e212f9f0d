"""Weekly reports built a chunk of users at a time: the same report as built alone, a
constant number of queries whatever the chunk's size or the users' history, and one
user's failure that user's alone."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.db.models import Exists, OuterRef
from django.test.utils import CaptureQueriesContext

from accounts.models import Medication, User
from tests.factories import CheckInFactory, EpisodeFactory, IntakeFactory, UserFactory
from tests.reports.conftest import bulk_diary, local
from tracker.logbook.models import CheckIn, Episode
from tracker.reports import schedule, services
from tracker.reports.models import ReportSchedule, WeeklySnapshot

NOW = dt.datetime(2026, 11, 10, 12, 0, tzinfo=dt.UTC)
WEEK = dt.date(2026, 11, 2)  # Monday; the last complete week at NOW everywhere below


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def _light(email: str, zone: str = "Europe/Berlin", **kwargs) -> User:
    """A user with a day of diary, a red-flag symptom and a medicine started in the week."""
    user = UserFactory(email=email, timezone=zone, **kwargs)
    EpisodeFactory(user=user, started_at=local(user, 2026, 11, 3, 21, 0), severity=6, symptoms=["numbness"])
    IntakeFactory(user=user, taken_at=local(user, 2026, 11, 3, 9, 0), volume_ml=750)
    CheckInFactory(user=user, day=dt.date(2026, 11, 4), no_cramps=True)
    Medication.objects.create(user=user, name="Tablet", drug_class="statin", started_on=dt.date(2026, 11, 1))
    return user


def _heavy(email: str, zone: str = "America/New_York", **kwargs) -> User:
    """Two years of diary (drinks, cramps, check-ins, activities, doses), a supplement
    started 40 days before the week (a fixed baseline) and one stopped within it."""
    user = UserFactory(email=email, timezone=zone, **kwargs)
    bulk_diary(user, days=2 * 365, end=dt.date(2026, 11, 9), intakes_per_day=4)
    # Every check-in answers "any cramps?", so cramp-free days are observed too.
    cramped = Episode.objects.filter(user=user, day=OuterRef("day"))
    CheckIn.objects.filter(user=user).update(no_cramps=~Exists(cramped))
    Medication.objects.create(user=user, name="Magnesium", drug_class="magnesium", started_on=dt.date(2026, 9, 23))
    Medication.objects.create(
        user=user,
        name="Diuretic",
        drug_class="diuretic",
        started_on=dt.date(2025, 5, 1),
        stopped_on=dt.date(2026, 11, 5),
    )
    return user


def _first_build_queries(user) -> int:
    WeeklySnapshot.objects.filter(user=user).delete()
    with CaptureQueriesContext(connection) as ctx:
        snapshot = services.weekly_snapshot_get(user=user, week_start=WEEK)
    assert not snapshot.stale and snapshot.data["starts_on"] == WEEK.isoformat()
    return len(ctx.captured_queries)


def test_a_weekly_first_build_costs_the_same_twelve_queries_for_a_light_and_a_heavy_user(db):
    light, heavy = _light("light@example.com"), _heavy("heavy@example.com")
    assert _first_build_queries(light) == _first_build_queries(heavy) <= 12


def _owe(users, week=WEEK):
    ReportSchedule.objects.bulk_create(
        [ReportSchedule(user=u, next_report_at=NOW + dt.timedelta(days=6), owed_week=week, retry_at=NOW) for u in users]
    )


def _deliver_queries(users) -> int:
    with CaptureQueriesContext(connection) as ctx:
        schedule.reports_deliver(user_ids=[u.id for u in users])
    assert WeeklySnapshot.objects.filter(user__in=users, week_start=WEEK, stale=False).count() == len(users)
    assert not ReportSchedule.objects.filter(user__in=users, owed_week__isnull=False).exists()
    return len(ctx.captured_queries)


def test_a_chunk_of_users_costs_the_same_queries_as_a_chunk_of_one(db):
    # Mixed: light and heavy, three zones, one Sunday week start (their owed week is
    # the Sunday before), none verified (no email is sent, so only the build counts).
    alone = _light("alone@example.com")
    chunk = [
        _light("a@example.com"),
        _heavy("b@example.com"),
        _light("c@example.com", zone="Asia/Tokyo"),
        _heavy("d@example.com", zone="Europe/Berlin"),
        _light("e@example.com", zone="America/New_York"),
    ]
    _owe([alone, *chunk])
    assert _deliver_queries([alone]) == _deliver_queries(chunk)


def test_a_report_built_in_a_chunk_is_the_report_built_alone(db):
    users = [
        _light("a@example.com"),
        _heavy("b@example.com"),
        _light("c@example.com", zone="Asia/Tokyo"),
        _heavy("d@example.com", zone="Europe/Berlin", week_starts_on="sunday"),
    ]
    pregnant = _light("p@example.com", pregnancy_due_date=dt.date(2027, 2, 1))
    users.append(pregnant)
    weeks = [(u, WEEK - dt.timedelta(days=1) if u.week_starts_on == "sunday" else WEEK) for u in users]
    alone = {u.id: services.weekly_report_build(user=u, week_start=w) for u, w in weeks}
    WeeklySnapshot.objects.all().delete()

    built = services.weekly_snapshots_get(weeks=weeks)

    assert {user_id: snapshot.data for user_id, snapshot in built.items()} == alone
    # And what was saved is what a page reads.
    for user, week in weeks:
        assert WeeklySnapshot.objects.get(user=user, week_start=week).data == alone[user.id]
    heavy = alone[users[1].id]
    assert heavy["change"]["fixed_baseline"] is not None and heavy["factors_window"]["tests"] > 0
    assert [(m["name"], m["taking"]) for m in heavy["medicines"]] == [
        ("Diuretic", False),  # stopped within the week
        ("Magnesium", True),
        ("Tablet", True),
    ]
    assert any(flag["kind"] == "symptoms" for flag in alone[users[0].id]["red_flags"])


def test_a_chunk_build_rebuilds_only_the_stale_and_keeps_a_race_with_a_write_stale(db):
    fresh, stale = _light("fresh@example.com"), _light("stale@example.com")
    services.weekly_snapshot_get(user=fresh, week_start=WEEK)
    services.weekly_snapshot_get(user=stale, week_start=WEEK)
    IntakeFactory(user=stale, taken_at=local(stale, 2026, 11, 5, 9, 0), volume_ml=400)
    before = WeeklySnapshot.objects.get(user=fresh).generated_at

    built = services.weekly_snapshots_get(weeks=[(fresh, WEEK), (stale, WEEK)])

    assert built[fresh.id].generated_at == before  # read, not rebuilt
    assert built[stale.id].data["hydration"]["total_ml"] == 1150
    assert not WeeklySnapshot.objects.get(user=stale).stale
    # A write that lands while a chunk builds leaves that snapshot stale for the next read.
    row = WeeklySnapshot.objects.get(user=stale)
    WeeklySnapshot.objects.filter(pk=row.pk).update(stale=True)
    original = services.weekly_reports_build

    def build_with_a_write_in_between(**kwargs):
        data = original(**kwargs)
        IntakeFactory(user=stale, taken_at=local(stale, 2026, 11, 6, 9, 0), volume_ml=100)
        return data

    services.weekly_reports_build = build_with_a_write_in_between
    try:
        services.weekly_snapshots_get(weeks=[(stale, WEEK)])
    finally:
        services.weekly_reports_build = original
    assert WeeklySnapshot.objects.get(user=stale).stale


def test_a_user_whose_report_cannot_be_built_fails_alone_and_only_they_are_retried(db):
    users = [_light(f"user{i}@example.com") for i in range(3)]
    # A zone this server does not know (stored before a tzdata change, say).
    User.objects.filter(pk=users[1].pk).update(timezone="Atlantis/Capital")
    _owe(users)

    schedule.reports_deliver(user_ids=[u.id for u in users])

    failed = ReportSchedule.objects.get(user=users[1])
    assert failed.owed_week == WEEK and failed.attempts == 1 and "Atlantis" in failed.last_error
    for user in (users[0], users[2]):
        row = ReportSchedule.objects.get(user=user)
        assert row.owed_week is None and row.attempts == 0
        assert not WeeklySnapshot.objects.get(user=user, week_start=WEEK).stale
    assert not WeeklySnapshot.objects.filter(user=users[1]).exists()
