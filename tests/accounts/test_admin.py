"""Admin edits never corrupt derived data: diary rows and medications are read-only
there, and profile edits go through the profile service."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import User
from tests.factories import IntakeFactory
from tracker.reports.models import WeeklySnapshot


@pytest.fixture
def staff(db):
    user = User.objects.create_superuser("staff@example.com", "staff password 1234")
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("model", ["episode", "intake", "activity", "dose", "checkin"])
def test_diary_rows_cannot_be_added_in_the_admin(staff, model):
    # Adding an intake here was a 500 (no diary day); every kind is now refused.
    assert staff.get(f"/admin/logbook/{model}/add/").status_code == 403
    assert staff.post(f"/admin/logbook/{model}/add/", {}).status_code == 403


def test_a_diary_row_is_shown_read_only_and_cannot_be_changed(staff, alice):
    intake = IntakeFactory(user=alice, volume_ml=300, taken_at=timezone.now() - dt.timedelta(hours=1))
    page = staff.get(f"/admin/logbook/intake/{intake.pk}/change/")
    assert page.status_code == 200 and b'name="volume_ml"' not in page.content
    staff.post(f"/admin/logbook/intake/{intake.pk}/change/", {"volume_ml": 5000, "taken_at_0": "2001-01-01"})
    intake.refresh_from_db()
    assert intake.volume_ml == 300 and intake.effective_ml == 300
    assert staff.post(f"/admin/logbook/intake/{intake.pk}/delete/", {"post": "yes"}).status_code == 403


def _admin_profile_post(staff, alice, **changes):
    page = staff.get(f"/admin/accounts/user/{alice.pk}/change/")
    form = page.context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None and name != "password"}
    data.update(
        {
            "email": alice.email,
            "timezone": alice.timezone,
            "day_starts_at": "04:00",
            "units": "metric",
            "week_starts_on": "monday",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "00:00:00",
            "is_active": "on",
            **changes,
        }
    )
    for name in ("groups", "user_permissions", "last_login", "email_verified_at", "body_weight_kg", "daily_goal_ml"):
        if name not in changes:
            data.pop(name, None)
    return staff.post(f"/admin/accounts/user/{alice.pk}/change/", data)


def test_a_timezone_changed_in_the_admin_refiles_the_diary_days(
    staff, alice, monkeypatch, django_capture_on_commit_callbacks
):
    from accounts import services

    # The recompute runs here rather than in a worker: what is tested is that the admin
    # asks for it at all (it used to save the zone and leave every stored day as it was).
    monkeypatch.setattr(services, "_enqueue_or_run", lambda task, *args: task.run(*args))
    # 02:30 UTC on 3 November is 03:30 in Berlin, before the 04:00 day start: the 2nd.
    intake = IntakeFactory(user=alice, taken_at=dt.datetime(2026, 11, 3, 2, 30, tzinfo=dt.UTC))
    assert intake.day == dt.date(2026, 11, 2)
    with django_capture_on_commit_callbacks(execute=True):
        response = _admin_profile_post(staff, alice, timezone="Asia/Tokyo")
    assert response.status_code == 302
    alice.refresh_from_db()
    intake.refresh_from_db()
    # In Tokyo (UTC+9) it is 11:30 on the 3rd.
    assert alice.timezone == "Asia/Tokyo" and intake.day == dt.date(2026, 11, 3)


def test_a_goal_changed_in_the_admin_stales_the_users_reports(staff, alice):
    snapshot = WeeklySnapshot.objects.create(
        user=alice, week_start=dt.date(2026, 11, 2), data={"x": 1}, generated_at=timezone.now()
    )
    page = staff.get(f"/admin/accounts/user/{alice.pk}/change/")
    form = page.context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None and name != "password"}
    data.update(
        {
            "email": alice.email,
            "timezone": alice.timezone,
            "day_starts_at": "04:00",
            "units": "metric",
            "week_starts_on": "monday",
            "daily_goal_ml": 2500,
            "date_joined_0": "2026-01-01",
            "date_joined_1": "00:00:00",
            "is_active": "on",
        }
    )
    data.pop("groups", None)
    data.pop("user_permissions", None)
    data.pop("last_login", None)
    data.pop("email_verified_at", None)
    response = staff.post(f"/admin/accounts/user/{alice.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response
    alice.refresh_from_db()
    snapshot.refresh_from_db()
    assert alice.daily_goal_ml == 2500
    assert snapshot.stale


# Staleness -----------------------------------------------------------------------------


def _snapshot(user, week_start=dt.date(2026, 11, 2)):
    return WeeklySnapshot.objects.create(user=user, week_start=week_start, data={"x": 1}, generated_at=timezone.now())


def test_any_medication_write_stales_the_users_reports(alice, bob, alice_api):
    snapshot, bobs = _snapshot(alice), _snapshot(bob)
    created = alice_api.post("/api/v1/medications/", {"name": "Tablet", "drug_class": "statin"}, format="json")
    assert created.status_code == 201
    snapshot.refresh_from_db()
    assert snapshot.stale
    for change in ({"started_on": "2026-11-04"}, {"stopped_on": "2026-11-20"}):
        WeeklySnapshot.objects.filter(pk=snapshot.pk).update(stale=False)
        assert alice_api.patch(f"/api/v1/medications/{created.json()['id']}/", change, format="json").status_code == 200
        snapshot.refresh_from_db()
        assert snapshot.stale, change
    WeeklySnapshot.objects.filter(pk=snapshot.pk).update(stale=False)
    assert alice_api.delete(f"/api/v1/medications/{created.json()['id']}/").status_code == 204
    snapshot.refresh_from_db()
    bobs.refresh_from_db()
    assert snapshot.stale and not bobs.stale


def test_a_timezone_and_goal_changed_together_stale_every_report(alice, alice_api):
    far = _snapshot(alice, dt.date(2025, 1, 6))
    response = alice_api.patch("/api/v1/me/", {"timezone": "Asia/Tokyo", "daily_goal_ml": 2600}, format="json")
    assert response.status_code == 200
    far.refresh_from_db()
    assert far.stale  # no rows in that week moved, but its goal did


def test_the_diary_day_recompute_keeps_an_edit_made_while_it_runs(alice, monkeypatch):
    from tracker.logbook import services as logbook

    intake = IntakeFactory(user=alice, volume_ml=250, taken_at=dt.datetime(2026, 11, 3, 23, 30, tzinfo=dt.UTC))
    alice.timezone = "Asia/Tokyo"  # the new setting the recompute applies
    alice.save()
    edited_at = dt.datetime(2026, 11, 10, 3, 0, tzinfo=dt.UTC)  # 12:00 on 10 Nov in Tokyo
    real = logbook.diary_day
    calls = []

    def diary_day_while_someone_edits(instant, zone, start):
        if not calls:  # after the recompute read the rows: the user moves the drink
            intake_model = type(intake)
            intake_model.objects.filter(pk=intake.pk).update(taken_at=edited_at, day=dt.date(2026, 11, 10))
        calls.append(instant)
        return real(instant, zone, start)

    monkeypatch.setattr(logbook, "diary_day", diary_day_while_someone_edits)
    logbook.diary_days_recompute(user=alice)
    intake.refresh_from_db()
    # Without the condition the recompute wrote 4 Nov (from the instant it had read).
    assert intake.taken_at == edited_at and intake.day == dt.date(2026, 11, 10)
