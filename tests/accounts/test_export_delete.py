"""Export and account deletion cover every model with a foreign key to the user.

The models come from apps.get_models(), so a model added later is either covered by
a row maker below or fails here with a message saying what to add."""

import datetime as dt
import io
import json
import zipfile

import pytest
import time_machine
from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.sessions.models import Session
from django.test import Client

from accounts.models import ApiToken, IdempotencyKey, Medication
from accounts.services import EXPORT_EXCLUDED_MODELS, api_token_create, user_owned_models
from reminders import plans as reminder_plans
from reminders.models import ActionUse, Delivery, Notification, PushSubscription
from reminders.models import Plan as ReminderPlan
from tests.conftest import PASSWORD, token_client
from tests.factories import (
    ActivityFactory,
    CheckInFactory,
    DoseFactory,
    EpisodeFactory,
    IntakeFactory,
    MedicationFactory,
)
from tracker.logbook import services as logbook_services
from tracker.logbook.models import Activity, CheckIn, DeletedEntry, Dose, Episode, Intake
from tracker.reports.models import WeeklySnapshot

NOW = dt.datetime(2026, 11, 10, 12, 0, tzinfo=dt.UTC)


def _log_entry(user):
    return LogEntry.objects.create(user=user, action_flag=ADDITION, object_repr="demo")


# One maker per model that has a foreign key to the user: it creates one row of that
# model for `user` and returns it. ADD ONE HERE for every new such model.
ROW_MAKERS = {
    Medication: lambda user: MedicationFactory(user=user),
    ApiToken: lambda user: api_token_create(user=user, name="export test")[0],
    IdempotencyKey: lambda user: IdempotencyKey.objects.create(user=user, key="k", method="POST", path="/x"),
    LogEntry: _log_entry,
    Episode: lambda user: EpisodeFactory(user=user, notes="exported note"),
    Intake: lambda user: IntakeFactory(user=user),
    Activity: lambda user: ActivityFactory(user=user),
    Dose: lambda user: DoseFactory(user=user),
    CheckIn: lambda user: CheckInFactory(user=user),
    DeletedEntry: lambda user: logbook_services.entry_delete(entry=IntakeFactory(user=user, volume_ml=123)),
    ReminderPlan: lambda user: reminder_plans.plan_get(user=user),
    Delivery: lambda user: Delivery.objects.create(user=user, slot=NOW, channel="in_app"),
    Notification: lambda user: Notification.objects.create(user=user, title="Time to drink", body="250 ml?"),
    PushSubscription: lambda user: PushSubscription.objects.create(
        user=user, endpoint=f"https://push.example.com/{user.pk}", p256dh="key", auth="secret"
    ),
    ActionUse: lambda user: ActionUse.objects.create(user=user, slot=NOW, action="drink"),
    WeeklySnapshot: lambda user: WeeklySnapshot.objects.create(
        user=user, week_start=dt.date(2026, 11, 2), data={"week": "2026-W45"}, generated_at=NOW
    ),
}


def _label(model) -> str:
    return f"{model._meta.app_label}.{model._meta.model_name}"


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def owned_rows(alice, bob):
    """One row of every user-owned model for alice and for bob."""
    missing = [_label(model) for model, _field in user_owned_models() if model not in ROW_MAKERS]
    assert not missing, (
        f"{', '.join(missing)} has a foreign key to the user but no row maker in "
        "tests/accounts/test_export_delete.py ROW_MAKERS. Add one (a factory call that creates a row for "
        "the given user) so that export and account deletion are tested for it; if the model should not "
        "be exported (secrets, bookkeeping), also add it to accounts.services.EXPORT_EXCLUDED_MODELS."
    )
    return {user: {model: ROW_MAKERS[model](user) for model, _field in user_owned_models()} for user in (alice, bob)}


def test_every_model_with_a_user_foreign_key_is_found():
    found = {model for model, _field in user_owned_models()}
    assert {Medication, ApiToken, Episode, Intake, Activity, Dose, CheckIn} <= found


def test_the_json_export_holds_every_row_of_the_user_and_none_of_bobs(alice, bob, owned_rows):
    export = token_client(alice).get("/api/v1/export/").json()
    assert export["profile"]["email"] == "alice@example.com"
    assert export["profile"]["timezone"] == "Europe/Berlin"
    for model, row in owned_rows[alice].items():
        if model in EXPORT_EXCLUDED_MODELS:
            assert _label(model) not in export
            continue
        ids = {item["id"] for item in export[_label(model)]}
        assert row.pk in ids, f"{_label(model)} row missing from the export"
        assert owned_rows[bob][model].pk not in ids, f"bob's {_label(model)} row is in alice's export"
    assert "password" not in json.dumps(export["profile"])
    assert all("digest" not in item for item in export["accounts.apitoken"])
    assert all("webhook_secret" not in item for item in export["reminders.plan"])
    assert export["logbook.episode"][0]["notes"] == "exported note"


def test_the_csv_export_is_a_zip_with_one_file_per_table(alice, owned_rows):
    response = token_client(alice).get("/api/v1/export/csv/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert "attachment" in response["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    names = set(archive.namelist())
    assert "profile.csv" in names
    for model, row in owned_rows[alice].items():
        if model in EXPORT_EXCLUDED_MODELS:
            continue
        lines = archive.read(f"{_label(model)}.csv").decode().splitlines()
        assert lines[0].startswith("id,")
        assert any(line.split(",")[0] == str(row.pk) for line in lines[1:])


def test_deleting_the_account_removes_every_row_of_the_user_and_keeps_bobs(alice, bob, owned_rows):
    api = token_client(alice)
    assert api.delete("/api/v1/me/", {"password": PASSWORD}, format="json").status_code == 204
    for model, field in user_owned_models():
        assert not model._default_manager.filter(**{f"{field}_id": alice.pk}).exists(), (
            f"{_label(model)} rows of the deleted user remain"
        )
        assert model._default_manager.filter(pk=owned_rows[bob][model].pk).exists(), (
            f"bob's {_label(model)} row went too"
        )


def test_deleting_the_account_ends_every_session_and_token(alice, bob):
    browser = Client()
    assert browser.login(email="alice@example.com", password=PASSWORD)
    bobs_browser = Client()
    assert bobs_browser.login(email="bob@example.com", password=PASSWORD)
    _token, raw = api_token_create(user=alice, name="phone")
    api = token_client(alice)
    assert Session.objects.count() == 2

    assert api.delete("/api/v1/me/", {"password": PASSWORD}, format="json").status_code == 204

    assert Session.objects.count() == 1  # bob's
    api.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    assert api.get("/api/v1/me/").status_code == 401
    assert not ApiToken.objects.filter(user_id=alice.pk).exists()
    assert browser.get("/api/v1/me/").status_code in (401, 403)
    assert bobs_browser.get("/api/v1/me/").status_code == 200


def test_a_wrong_password_deletes_nothing(alice, owned_rows):
    api = token_client(alice)
    assert api.delete("/api/v1/me/", {"password": "guess"}, format="json").status_code == 400
    for model, row in owned_rows[alice].items():
        assert model._default_manager.filter(pk=row.pk).exists()
