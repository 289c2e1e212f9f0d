"""Red flags outside a cramp, recorded in the day's check-in: fainting, confusion,
sunken eyes, loss of consciousness, whole-body convulsions, and high blood pressure or
swelling in pregnancy (domain.md). Saved as yes/no answers, answered at once with the
same plain advice as a cramp's red flags, strict in the API, and in the export."""

import csv
import datetime as dt
import io
import json
import zipfile
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from tests.conftest import token_client
from tests.factories import CheckInFactory
from tracker.logbook.advice import PREGNANCY_DAY_MESSAGE, SEIZURE_MESSAGE, SEVERE_DEHYDRATION_MESSAGE
from tracker.logbook.models import CheckIn

NEW_YORK = ZoneInfo("America/New_York")
# 07:30 in New York on Tuesday 10 Nov 2026: the check-in asks about Monday 9 Nov.
MORNING = dt.datetime(2026, 11, 10, 7, 30, tzinfo=NEW_YORK)
MON = dt.date(2026, 11, 9)
FLAGS = (
    "fainting",
    "confusion",
    "sunken_eyes",
    "loss_of_consciousness",
    "whole_body_convulsions",
    "high_blood_pressure_in_pregnancy",
    "swelling_in_pregnancy",
)


@pytest.fixture(autouse=True)
def _morning():
    with time_machine.travel(MORNING, tick=False):
        yield


@pytest.fixture
def pregnant(bob):
    bob.pregnancy_due_date = dt.date(2027, 3, 1)
    bob.save()
    return bob


def post(api, **fields):
    return api.post("/api/v1/checkins/", {"day": MON.isoformat(), "no_cramps": True, **fields}, format="json")


# --- model -------------------------------------------------------------------------


def test_a_new_checkin_has_every_red_flag_off(bob):
    checkin = CheckInFactory(user=bob, day=MON)
    assert [getattr(checkin, name) for name in FLAGS] == [False] * 7
    assert checkin.red_flags == []


def test_the_red_flags_of_a_checkin_are_its_true_answers_in_order(bob):
    checkin = CheckInFactory(user=bob, day=MON, whole_body_convulsions=True, fainting=True)
    assert checkin.red_flags == ["fainting", "whole_body_convulsions"]


# --- API ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "message"),
    [
        ("fainting", SEVERE_DEHYDRATION_MESSAGE),
        ("confusion", SEVERE_DEHYDRATION_MESSAGE),
        ("sunken_eyes", SEVERE_DEHYDRATION_MESSAGE),
        ("loss_of_consciousness", SEIZURE_MESSAGE),
        ("whole_body_convulsions", SEIZURE_MESSAGE),
        ("high_blood_pressure_in_pregnancy", PREGNANCY_DAY_MESSAGE),
        ("swelling_in_pregnancy", PREGNANCY_DAY_MESSAGE),
    ],
)
def test_an_api_checkin_with_a_red_flag_answers_with_the_advice_at_once(bob_api, bob, field, message):
    response = post(bob_api, **{field: True})
    assert response.status_code == 201, response.content
    assert response.json()[field] is True
    assert response.json()["red_flag_message"] == message
    assert getattr(CheckIn.objects.get(user=bob), field) is True


def test_the_most_urgent_advice_wins_when_several_are_logged(bob_api):
    response = post(bob_api, fainting=True, whole_body_convulsions=True, high_blood_pressure_in_pregnancy=True)
    assert response.json()["red_flag_message"] == SEIZURE_MESSAGE


def test_high_blood_pressure_in_pregnancy_says_see_a_doctor_or_maternity_care_and_names_nothing(bob_api):
    message = post(bob_api, high_blood_pressure_in_pregnancy=True).json()["red_flag_message"]
    assert "see a doctor" in message and "maternity care" in message and "promptly" in message
    # Not a diagnosis, and not an emergency call for a reading logged on a day.
    assert "eclampsia" not in message.lower() and "emergency" not in message.lower()


def test_a_checkin_without_red_flags_has_no_message_and_they_default_to_false(bob_api):
    body = post(bob_api).json()
    assert body["red_flag_message"] is None
    assert [body[name] for name in FLAGS] == [False] * 7


def test_a_patch_that_adds_a_red_flag_returns_the_advice(bob_api):
    checkin_id = post(bob_api).json()["id"]
    response = bob_api.patch(f"/api/v1/checkins/{checkin_id}/", {"confusion": True}, format="json")
    assert response.status_code == 200
    assert response.json()["red_flag_message"] == SEVERE_DEHYDRATION_MESSAGE


@pytest.mark.parametrize("value", ["yes", 1, "true", None, []])
def test_a_red_flag_that_is_not_true_or_false_is_a_400_with_the_field(bob_api, value):
    response = post(bob_api, fainting=value)
    assert response.status_code == 400
    assert "fainting" in response.json()
    assert not CheckIn.objects.exists()


def test_the_advice_is_read_only_and_an_unknown_flag_is_refused(bob_api):
    assert post(bob_api, tongue_biting=True).status_code == 400
    assert post(bob_api, red_flag_message="x").status_code == 400


def test_bob_cannot_read_or_change_alices_red_flags(alice, bob_api):
    theirs = CheckInFactory(user=alice, day=MON, fainting=True)
    assert bob_api.get(f"/api/v1/checkins/{theirs.pk}/").status_code == 404
    assert bob_api.patch(f"/api/v1/checkins/{theirs.pk}/", {"fainting": False}, format="json").status_code == 404
    assert CheckIn.objects.get(pk=theirs.pk).fainting is True


def test_the_schema_documents_each_red_flag_and_the_message(bob_api):
    schema = bob_api.get("/api/schema/", {"format": "json"}).json()
    props = schema["components"]["schemas"]["CheckIn"]["properties"]
    for name in FLAGS:
        assert props[name]["type"] == "boolean"
        assert "red flag" in props[name]["description"].lower()
    assert props["red_flag_message"]["readOnly"] is True
    assert props["red_flag_message"]["nullable"] is True


def test_the_export_carries_the_red_flags_in_json_and_csv(bob):
    CheckInFactory(user=bob, day=MON, loss_of_consciousness=True)
    api = token_client(bob)
    row = api.get("/api/v1/export/").json()["logbook.checkin"][0]
    assert row["loss_of_consciousness"] is True and row["fainting"] is False
    archive = zipfile.ZipFile(io.BytesIO(api.get("/api/v1/export/csv/").content))
    rows = list(csv.DictReader(io.StringIO(archive.read("logbook.checkin.csv").decode())))
    assert set(FLAGS) <= set(rows[0])
    assert rows[0]["loss_of_consciousness"] in ("True", "true")


def test_a_deleted_checkin_comes_back_with_its_red_flags(bob_api, bob):
    checkin_id = post(bob_api, swelling_in_pregnancy=True).json()["id"]
    assert bob_api.delete(f"/api/v1/checkins/{checkin_id}/").status_code == 204
    deleted = bob_api.get("/api/v1/deleted/").json()["results"][0]
    assert bob_api.post(f"/api/v1/deleted/{deleted['id']}/restore/").status_code in (200, 201)
    assert CheckIn.objects.get(user=bob).swelling_in_pregnancy is True


# --- page ---------------------------------------------------------------------------


@pytest.fixture
def bob_client(client, bob):
    client.force_login(bob)
    return client


def test_the_page_keeps_the_red_flags_in_a_closed_anything_worrying_group(bob_client):
    body = bob_client.get(reverse("checkin")).content.decode()
    group = body.split('<details class="worrying"')[1].split("</details>")[0]
    assert group.startswith(">")  # closed: the everyday check-in stays quick
    assert "Anything worrying?" in group
    for label in ("Fainted", "Confused", "Sunken eyes", "Lost consciousness", "Whole-body convulsions (a fit)"):
        assert f">{label}</label>" in group
    # Not pregnant: the pregnancy questions are not asked.
    assert "pregnant" not in group
    # The advice is on the page, hidden, for the script to reveal on a tick.
    assert SEVERE_DEHYDRATION_MESSAGE in group and SEIZURE_MESSAGE in group


def test_someone_pregnant_is_asked_about_blood_pressure_and_swelling(bob_client, pregnant):
    body = bob_client.get(reverse("checkin")).content.decode()
    group = body.split('<details class="worrying"')[1].split("</details>")[0]
    assert ">High blood pressure (pregnant)</label>" in group
    assert ">Swelling (pregnant)</label>" in group
    assert PREGNANCY_DAY_MESSAGE in group


def test_saving_a_red_flag_shows_the_advice_on_the_next_page(bob_client, bob):
    response = bob_client.post(reverse("checkin"), {"cramps": "no", "fainting": "on"}, follow=True)
    assert response.status_code == 200
    assert CheckIn.objects.get(user=bob, day=MON).fainting is True
    assert f'red-flag" role="alert">{SEVERE_DEHYDRATION_MESSAGE}</p>' in response.content.decode()


def test_saving_high_blood_pressure_in_pregnancy_shows_see_a_doctor_or_maternity_care(bob_client, pregnant):
    response = bob_client.post(
        reverse("checkin"), {"cramps": "yes", "high_blood_pressure_in_pregnancy": "on"}, follow=True
    )
    assert PREGNANCY_DAY_MESSAGE in response.content.decode()
    assert CheckIn.objects.get(day=MON).high_blood_pressure_in_pregnancy is True


def test_a_saved_red_flag_opens_the_group_ticked_when_the_checkin_is_edited(bob_client, bob):
    CheckInFactory(user=bob, day=MON, whole_body_convulsions=True)
    body = bob_client.get(reverse("checkin"), {"day": MON.isoformat()}).content.decode()
    assert '<details class="worrying" open>' in body
    tag = next(t for t in body.split("<input") if 'name="whole_body_convulsions"' in t)
    assert "checked" in tag


def test_a_pregnancy_answer_saved_earlier_still_shows_after_the_due_date_passes(bob_client, bob):
    CheckInFactory(user=bob, day=MON, swelling_in_pregnancy=True)
    body = bob_client.get(reverse("checkin"), {"day": MON.isoformat()}).content.decode()
    tag = next(t for t in body.split("<input") if 'name="swelling_in_pregnancy"' in t)
    assert "checked" in tag
    # Saving the form again without touching it keeps the answer.
    bob_client.post(reverse("checkin") + f"?day={MON}", {"cramps": "no", "swelling_in_pregnancy": "on"})
    assert CheckIn.objects.get(day=MON).swelling_in_pregnancy is True


def test_same_as_yesterday_never_copies_a_red_flag(bob_client, bob):
    CheckInFactory(user=bob, day=MON - dt.timedelta(days=1), fainting=True, sitting_hours=9)
    body = bob_client.get(reverse("checkin"), {"day": MON.isoformat(), "same": "1"}).content.decode()
    assert "Filled in from" in body
    tag = next(t for t in body.split("<input") if 'name="fainting"' in t)
    assert "checked" not in tag
    assert '<details class="worrying">' in body


def test_an_everyday_checkin_is_unchanged_by_the_red_flags(bob_client, bob):
    bob_client.post(reverse("checkin"), {"cramps": "no", "sleep_hours": "7"})
    checkin = CheckIn.objects.get(user=bob)
    assert checkin.red_flags == [] and checkin.no_cramps is True
    assert json.loads(json.dumps([getattr(checkin, f) for f in FLAGS])) == [False] * 7


def test_history_marks_a_checkin_with_a_red_flag_see_a_doctor(bob_client, bob):
    CheckInFactory(user=bob, day=MON, no_cramps=True, confusion=True)
    CheckInFactory(user=bob, day=MON - dt.timedelta(days=1), no_cramps=True)
    lines = [line for line in bob_client.get(reverse("history")).content.decode().splitlines() if "Checked in" in line]
    assert len(lines) == 2
    assert [("see a doctor" in line) for line in lines] == [True, False]
