"""The logbook REST resources: each one created, listed, filtered, read, changed and
deleted through the API; bad input answered 400, other users' rows 404, no
credentials 401; the same number of queries for 1 and 100 rows."""

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import (
    ActivityFactory,
    CheckInFactory,
    DoseFactory,
    EpisodeFactory,
    IntakeFactory,
    MedicationFactory,
)
from tracker.logbook.models import Activity, CheckIn, Dose, Episode, Intake

NOW = dt.datetime(2026, 11, 10, 12, 0, tzinfo=dt.UTC)
BERLIN = ZoneInfo("Europe/Berlin")


def berlin(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=BERLIN)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@dataclass
class Resource:
    name: str
    model: type
    instant: str | None  # None for check-ins, which are keyed by day
    update: dict

    @property
    def url(self) -> str:
        return f"/api/v1/{self.name}/"

    def detail(self, pk) -> str:
        return f"{self.url}{pk}/"

    def payload(self, user, when: dt.datetime) -> dict:
        if self.name == "episodes":
            return {"started_at": when.isoformat(), "duration_seconds": 90, "muscle": "calf", "severity": 6}
        if self.name == "intakes":
            return {"taken_at": when.isoformat(), "volume_ml": 250, "beverage": "milk"}
        if self.name == "activities":
            return {"started_at": when.isoformat(), "duration_minutes": 40, "kind": "running", "intensity": "vigorous"}
        if self.name == "doses":
            return {"taken_at": when.isoformat(), "medication": MedicationFactory(user=user).pk}
        return {"day": when.astimezone(user.zone).date().isoformat(), "sitting_hours": 7.5, "fatigue": 3}

    def make(self, user, when: dt.datetime, **extra):
        factory = {
            "episodes": EpisodeFactory,
            "intakes": IntakeFactory,
            "activities": ActivityFactory,
            "doses": DoseFactory,
        }.get(self.name)
        if factory is None:
            return CheckInFactory(user=user, day=when.astimezone(user.zone).date(), **extra)
        return factory(user=user, **{self.instant: when}, **extra)


RESOURCES = [
    Resource("episodes", Episode, "started_at", {"severity": 9, "symptoms": ["numbness"]}),
    Resource("intakes", Intake, "taken_at", {"volume_ml": 400}),
    Resource("activities", Activity, "started_at", {"duration_minutes": 75}),
    Resource("doses", Dose, "taken_at", {}),
    Resource("checkins", CheckIn, None, {"sleep_hours": 6.5}),
]
TIMED = [r for r in RESOURCES if r.instant]


@pytest.fixture(params=RESOURCES, ids=lambda r: r.name)
def resource(request):
    return request.param


@pytest.fixture(params=TIMED, ids=lambda r: r.name)
def timed(request):
    return request.param


# Create, list, read, update, delete ----------------------------------------------


def test_create_answers_201_with_the_diary_day_computed_in_the_users_zone(alice_api, alice, resource):
    # 02:30 on 10 Nov in Berlin is before the 04:00 day start: diary day 9 Nov.
    response = alice_api.post(resource.url, resource.payload(alice, berlin(2026, 11, 10, 2, 30)), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    expected_day = "2026-11-09" if resource.instant else "2026-11-10"
    assert body["day"] == expected_day
    row = resource.model.objects.get(pk=body["id"])
    assert row.user == alice
    assert row.day.isoformat() == expected_day


def test_list_is_newest_first_and_holds_only_the_users_rows(alice_api, alice, bob, resource):
    older = resource.make(alice, NOW - dt.timedelta(days=3))
    newer = resource.make(alice, NOW - dt.timedelta(days=1))
    resource.make(bob, NOW - dt.timedelta(days=2))
    response = alice_api.get(resource.url)
    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [newer.pk, older.pk]


def test_list_pages_with_a_cursor(alice_api, alice, resource):
    rows = [resource.make(alice, NOW - dt.timedelta(days=n)) for n in range(1, 6)]
    first = alice_api.get(resource.url, {"page_size": 2}).json()
    assert [r["id"] for r in first["results"]] == [rows[0].pk, rows[1].pk]
    second = alice_api.get(first["next"]).json()
    assert [r["id"] for r in second["results"]] == [rows[2].pk, rows[3].pk]


def test_from_and_to_filter_on_the_diary_day_inclusive(alice_api, alice, resource):
    resource.make(alice, berlin(2026, 11, 1, 12, 0))
    inside = [resource.make(alice, berlin(2026, 11, 3, 12, 0)), resource.make(alice, berlin(2026, 11, 4, 12, 0))]
    resource.make(alice, berlin(2026, 11, 6, 12, 0))
    response = alice_api.get(resource.url, {"from": "2026-11-02", "to": "2026-11-04"})
    assert response.status_code == 200
    assert sorted(r["id"] for r in response.json()["results"]) == sorted(r.pk for r in inside)


def test_a_diary_day_filter_counts_a_night_row_with_the_evening_before(alice_api, alice, timed):
    # 03:00 on 5 Nov belongs to diary day 4 Nov.
    night = timed.make(alice, berlin(2026, 11, 5, 3, 0))
    response = alice_api.get(timed.url, {"from": "2026-11-04", "to": "2026-11-04"})
    assert [r["id"] for r in response.json()["results"]] == [night.pk]


def test_from_and_to_also_take_instants_with_an_offset(alice_api, alice, timed):
    timed.make(alice, berlin(2026, 11, 3, 9, 0))
    inside = timed.make(alice, berlin(2026, 11, 3, 11, 0))
    timed.make(alice, berlin(2026, 11, 3, 13, 0))
    response = alice_api.get(timed.url, {"from": "2026-11-03T10:00:00+01:00", "to": "2026-11-03T11:00:00+01:00"})
    assert response.status_code == 200
    assert [r["id"] for r in response.json()["results"]] == [inside.pk]


@pytest.mark.parametrize("value", ["2026-13-01", "yesterday", "2026-11-03T10:00:00", "0001-01-01T00:00:00+05:00"])
def test_a_malformed_or_offsetless_filter_is_a_400(alice_api, resource, value):
    response = alice_api.get(resource.url, {"from": value})
    assert response.status_code == 400
    assert "from" in response.json()


def test_retrieve_returns_the_row(alice_api, alice, resource):
    row = resource.make(alice, NOW - dt.timedelta(hours=2))
    response = alice_api.get(resource.detail(row.pk))
    assert response.status_code == 200
    assert response.json()["id"] == row.pk


def test_patch_changes_only_the_given_fields(alice_api, alice, resource):
    row = resource.make(alice, NOW - dt.timedelta(hours=2))
    response = alice_api.patch(resource.detail(row.pk), resource.update, format="json")
    assert response.status_code == 200, response.json()
    row.refresh_from_db()
    for name, value in resource.update.items():
        assert response.json()[name] == value
        assert float(getattr(row, name)) == value if isinstance(value, float) else getattr(row, name) == value


def test_patching_the_time_moves_the_row_to_its_new_diary_day(alice_api, alice, timed):
    row = timed.make(alice, berlin(2026, 11, 5, 12, 0))
    response = alice_api.patch(
        timed.detail(row.pk), {timed.instant: berlin(2026, 11, 7, 3, 59).isoformat()}, format="json"
    )
    assert response.status_code == 200, response.json()
    row.refresh_from_db()
    assert row.day == dt.date(2026, 11, 6)


def test_put_replaces_the_row(alice_api, alice, resource):
    row = resource.make(alice, NOW - dt.timedelta(days=2))
    payload = resource.payload(alice, NOW - dt.timedelta(days=3))
    response = alice_api.put(resource.detail(row.pk), payload, format="json")
    assert response.status_code == 200, response.json()
    row.refresh_from_db()
    assert row.day == (NOW - dt.timedelta(days=3)).astimezone(BERLIN).date()


def test_delete_removes_the_row(alice_api, alice, resource):
    row = resource.make(alice, NOW - dt.timedelta(hours=2))
    assert alice_api.delete(resource.detail(row.pk)).status_code == 204
    assert not resource.model.objects.filter(pk=row.pk).exists()
    assert alice_api.get(resource.detail(row.pk)).status_code == 404


# Other users and anonymous callers ----------------------------------------------


def test_bob_cannot_read_change_or_delete_alices_rows(bob_api, alice, resource):
    row = resource.make(alice, NOW - dt.timedelta(hours=2))
    url = resource.detail(row.pk)
    assert bob_api.get(url).status_code == 404
    assert bob_api.patch(url, resource.update, format="json").status_code == 404
    assert bob_api.put(url, resource.payload(alice, NOW), format="json").status_code == 404
    assert bob_api.delete(url).status_code == 404
    assert resource.model.objects.filter(pk=row.pk, user=alice).exists()
    assert bob_api.get(resource.url).json()["results"] == []


def test_without_credentials_every_route_is_a_401_with_www_authenticate(anon_api, alice, resource):
    row = resource.make(alice, NOW - dt.timedelta(hours=2))
    for response in [
        anon_api.get(resource.url),
        anon_api.post(resource.url, resource.payload(alice, NOW), format="json"),
        anon_api.get(resource.detail(row.pk)),
        anon_api.patch(resource.detail(row.pk), resource.update, format="json"),
        anon_api.delete(resource.detail(row.pk)),
    ]:
        assert response.status_code == 401
        assert response["WWW-Authenticate"].startswith("Token")
    assert resource.model.objects.filter(pk=row.pk).exists()


def test_a_made_up_token_is_a_401(db, anon_api, resource):
    anon_api.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert anon_api.get(resource.url).status_code == 401


# Bad input -----------------------------------------------------------------------


def test_an_unknown_field_is_a_400(alice_api, alice, resource):
    payload = {**resource.payload(alice, NOW), "mood": "sunny"}
    response = alice_api.post(resource.url, payload, format="json")
    assert response.status_code == 400
    assert response.json() == {"mood": ["Unknown field."]}


def test_a_read_only_field_in_the_body_is_a_400(alice_api, alice, timed):
    payload = {**timed.payload(alice, NOW), "day": "2026-01-01"}
    response = alice_api.post(timed.url, payload, format="json")
    assert response.status_code == 400
    assert "day" in response.json()


@pytest.mark.parametrize("body", [[1, 2], "text", 42, None])
def test_a_body_that_is_not_a_json_object_is_a_400(alice_api, resource, body):
    response = alice_api.post(resource.url, body, format="json")
    assert response.status_code == 400


def test_malformed_json_is_a_400(alice_api, resource):
    response = alice_api.post(resource.url, "{not json", content_type="application/json")
    assert response.status_code == 400


def test_a_nul_character_in_a_string_is_a_400(alice_api, alice, resource):
    payload = resource.payload(alice, NOW)
    key = next(k for k, v in payload.items() if isinstance(v, str))
    payload[key] = payload[key][:3] + "\x00" + payload[key][3:]
    response = alice_api.post(resource.url, payload, format="json")
    assert response.status_code == 400
    assert key in response.json()


def test_a_time_without_a_utc_offset_is_a_400_that_says_so(alice_api, alice, timed):
    payload = {**timed.payload(alice, NOW), timed.instant: "2026-11-10T08:00:00"}
    response = alice_api.post(timed.url, payload, format="json")
    assert response.status_code == 400
    assert "UTC offset" in response.json()[timed.instant][0]


def test_a_time_more_than_10_minutes_ahead_is_a_400(alice_api, alice, timed):
    ok = alice_api.post(timed.url, timed.payload(alice, NOW + dt.timedelta(minutes=9)), format="json")
    assert ok.status_code == 201
    response = alice_api.post(timed.url, timed.payload(alice, NOW + dt.timedelta(minutes=11)), format="json")
    assert response.status_code == 400
    assert "future" in response.json()[timed.instant][0]


@pytest.mark.parametrize(
    "value", ["2026-11-31T10:00:00Z", "soon", 12, "0001-01-01T00:00:00+05:00", "1850-01-01T00:00Z"]
)
def test_a_malformed_or_absurd_time_is_a_400(alice_api, alice, timed, value):
    payload = {**timed.payload(alice, NOW), timed.instant: value}
    response = alice_api.post(timed.url, payload, format="json")
    assert response.status_code == 400
    assert timed.instant in response.json()


@pytest.mark.parametrize(
    ("resource_name", "field", "value"),
    [
        ("intakes", "volume_ml", -250),
        ("intakes", "volume_ml", 0),
        ("intakes", "volume_ml", 5001),
        ("intakes", "volume_ml", "lots"),
        ("intakes", "beverage", "lemonade"),
        ("intakes", "sodium_mg", 10**12),
        ("episodes", "severity", 11),
        ("episodes", "severity", -1),
        ("episodes", "duration_seconds", 0),
        ("episodes", "duration_seconds", 7201),
        ("episodes", "muscle", "elbow"),
        ("episodes", "symptoms", ["fainting", "sneezing"]),
        ("episodes", "symptoms", "fainting"),
        ("episodes", "relief", ["stretching", "stretching"]),
        ("activities", "intensity", "extreme"),
        ("activities", "duration_minutes", 24 * 60 + 1),
        ("checkins", "sitting_hours", 25),
        ("checkins", "sleep_hours", -1),
        ("checkins", "fatigue", 6),
        ("checkins", "stress", 0),
        ("checkins", "illness", ["flu"]),
        ("checkins", "alcohol_units", "NaN"),
        ("checkins", "day", "2026-02-30"),
        ("checkins", "day", "2026-11-12"),
        ("doses", "medication", "first"),
        ("doses", "medication", 10**30),
    ],
)
def test_out_of_range_or_unknown_values_are_a_400_naming_the_field(alice_api, alice, resource_name, field, value):
    resource = next(r for r in RESOURCES if r.name == resource_name)
    payload = {**resource.payload(alice, NOW - dt.timedelta(hours=1)), field: value}
    response = alice_api.post(resource.url, payload, format="json")
    assert response.status_code == 400, response.json()
    assert field in response.json()
    assert not resource.model.objects.exists()


def test_a_missing_required_field_is_a_400(alice_api, timed):
    response = alice_api.post(timed.url, {}, format="json")
    assert response.status_code == 400
    assert timed.instant in response.json()


def test_a_dose_of_another_users_medication_is_a_400(alice_api, alice, bob):
    bobs = MedicationFactory(user=bob)
    response = alice_api.post("/api/v1/doses/", {"taken_at": NOW.isoformat(), "medication": bobs.pk}, format="json")
    assert response.status_code == 400
    assert "medication" in response.json()
    assert not Dose.objects.exists()


def test_a_second_checkin_for_the_same_day_is_a_400_that_says_to_patch(alice_api, alice):
    first = alice_api.post("/api/v1/checkins/", {"day": "2026-11-08", "sleep_hours": 7}, format="json")
    assert first.status_code == 201
    second = alice_api.post("/api/v1/checkins/", {"day": "2026-11-08", "sleep_hours": 5}, format="json")
    assert second.status_code == 400
    assert "PATCH" in second.json()["day"][0]
    assert CheckIn.objects.get().sleep_hours == 7


def test_moving_a_checkin_onto_a_day_that_has_one_is_a_400(alice_api, alice):
    CheckInFactory(user=alice, day=dt.date(2026, 11, 7))
    other = CheckInFactory(user=alice, day=dt.date(2026, 11, 8))
    response = alice_api.patch(f"/api/v1/checkins/{other.pk}/", {"day": "2026-11-07"}, format="json")
    assert response.status_code == 400
    assert "PATCH" in response.json()["day"][0]


def test_an_episode_with_a_red_flag_carries_the_see_a_doctor_message(alice_api):
    payload = {
        "started_at": NOW.isoformat(),
        "duration_seconds": 60,
        "muscle": "calf",
        "severity": 8,
        "symptoms": ["confusion"],
    }
    body = alice_api.post("/api/v1/episodes/", payload, format="json").json()
    assert "see a doctor" in body["red_flag_message"]
    calm = alice_api.post("/api/v1/episodes/", {**payload, "symptoms": []}, format="json").json()
    assert calm["red_flag_message"] is None


def test_an_intake_answers_with_its_effective_fluid_and_alcohol_units(alice_api):
    milk = alice_api.post(
        "/api/v1/intakes/", {"taken_at": NOW.isoformat(), "volume_ml": 300, "beverage": "milk"}, format="json"
    ).json()
    assert (milk["effective_ml"], milk["alcohol_units"]) == (450, 0)  # 300 ml x 1.5
    beer = alice_api.post(
        "/api/v1/intakes/", {"taken_at": NOW.isoformat(), "volume_ml": 500, "beverage": "beer"}, format="json"
    ).json()
    assert (beer["effective_ml"], beer["alcohol_units"]) == (500, 2.0)  # 500 ml x 4% / 10 ml per unit


def test_an_intake_without_a_beverage_is_water(alice_api):
    body = alice_api.post("/api/v1/intakes/", {"taken_at": NOW.isoformat(), "volume_ml": 200}, format="json").json()
    assert (body["beverage"], body["effective_ml"]) == ("water", 200)


# Query counts --------------------------------------------------------------------


def _make_many(resource, user, count):
    for n in range(count):
        resource.make(user, NOW - dt.timedelta(days=n + 1, minutes=n))


def test_a_list_costs_the_same_queries_for_1_and_100_rows(alice_api, alice, resource, django_assert_num_queries):
    _make_many(resource, alice, 1)
    alice_api.get(resource.url)  # the first call records the token's last use
    with CaptureQueriesContext(connection) as one_row:
        assert len(alice_api.get(resource.url, {"page_size": 100}).json()["results"]) == 1
    _make_many_more = [resource.make(alice, NOW - dt.timedelta(days=200 + n)) for n in range(99)]
    assert len(_make_many_more) == 99
    with django_assert_num_queries(len(one_row.captured_queries)):
        assert len(alice_api.get(resource.url, {"page_size": 100}).json()["results"]) == 100


def test_put_resets_the_fields_it_leaves_out(alice_api, alice):
    episode = EpisodeFactory(user=alice, started_at=NOW, notes="woke at 3", symptoms=["numbness"], side="left")
    payload = {"started_at": NOW.isoformat(), "duration_seconds": 30, "muscle": "foot", "severity": 2}
    body = alice_api.put(f"/api/v1/episodes/{episode.pk}/", payload, format="json").json()
    assert (body["notes"], body["symptoms"], body["side"], body["muscle"]) == ("", [], "none", "foot")


@pytest.mark.parametrize(
    ("resource_name", "field", "value"),
    [
        ("intakes", "volume_ml", "250"),  # a string where the schema says integer
        ("intakes", "volume_ml", 250.5),
        ("intakes", "volume_ml", True),
        ("intakes", "beverage", 1),
        ("episodes", "sleep_disturbed", "yes"),
        ("episodes", "sleep_disturbed", 1),
        ("episodes", "notes", 12),
        ("checkins", "sitting_hours", "7.5"),
        ("checkins", "day", "2026-1-3"),  # not RFC 3339
        ("checkins", "illness", "fever"),
        ("intakes", "taken_at", "2026-11-10 11:00:00+00:00"),  # a space, not T
        ("intakes", "taken_at", "2026-11-10T11:00+00:00"),  # no seconds
        ("intakes", "taken_at", "٢٠٢٦-11-10T11:00:00Z"),  # non-ASCII digits
    ],
)
def test_values_of_the_wrong_json_type_or_format_are_a_400(alice_api, alice, resource_name, field, value):
    resource = next(r for r in RESOURCES if r.name == resource_name)
    payload = {**resource.payload(alice, NOW - dt.timedelta(hours=1)), field: value}
    response = alice_api.post(resource.url, payload, format="json")
    assert response.status_code == 400, response.json()
    assert field in response.json()


def test_an_integral_float_is_a_whole_number(alice_api):
    response = alice_api.post("/api/v1/intakes/", {"taken_at": NOW.isoformat(), "volume_ml": 250.0}, format="json")
    assert response.status_code == 201
    assert response.json()["volume_ml"] == 250


def test_lowercase_t_and_z_are_valid_rfc_3339(alice_api):
    response = alice_api.post("/api/v1/intakes/", {"taken_at": "2026-11-10t11:00:00z", "volume_ml": 250}, format="json")
    assert response.status_code == 201
    assert response.json()["taken_at"] == "2026-11-10T11:00:00Z"


@pytest.mark.parametrize("value", ["", "2026-1-3", "2026-11-03 10:00:00+01:00"])
def test_an_empty_or_loose_filter_value_is_a_400(alice_api, resource, value):
    assert alice_api.get(resource.url, {"to": value}).status_code == 400


@pytest.mark.parametrize("path", ["/api/v1/episodes/abc/", "/api/v1/episodes//", "/api/v1/nothing/", "/api/v2/"])
def test_unknown_api_paths_answer_a_json_404(alice_api, path):
    response = alice_api.get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found."}


def test_a_put_to_an_unknown_api_path_is_a_json_404_even_with_csrf_checks(alice):
    from rest_framework.test import APIClient

    client = APIClient(enforce_csrf_checks=True)
    client.force_login(alice)
    response = client.put("/api/v1/intakes/x/", {}, format="json")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_a_checkin_that_leaves_out_the_cramps_answer_is_unanswered_not_a_cramp_day(alice_api):
    response = alice_api.post("/api/v1/checkins/", {"day": "2026-11-08", "sleep_hours": 7}, format="json")
    assert response.status_code == 201 and response.json()["no_cramps"] is None
    daily = alice_api.get("/api/v1/reports/daily/", {"from": "2026-11-08", "to": "2026-11-08"}).json()
    (day,) = daily["days"]
    # Without an answer to "any cramps?" the day is not observed, and never counted as a cramp day.
    assert day["observed"] is False and day["episodes"] == 0
    answered = alice_api.patch(f"/api/v1/checkins/{response.json()['id']}/", {"no_cramps": True}, format="json")
    assert answered.status_code == 200
    (day,) = alice_api.get("/api/v1/reports/daily/", {"from": "2026-11-08", "to": "2026-11-08"}).json()["days"]
    assert day["observed"] is True
