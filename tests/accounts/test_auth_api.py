"""Registration, email verification, password reset, API tokens and the profile."""

import datetime as dt
import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from accounts.models import ApiToken
from accounts.services import api_token_create, password_reset_send
from tests.conftest import PASSWORD, token_client
from tests.factories import MedicationFactory, UserFactory

User = get_user_model()
NEW_PASSWORD = "a much longer new passphrase"


def register(client, **body):
    return client.post(
        "/api/v1/auth/register/", {"email": "new@example.com", "password": PASSWORD, **body}, format="json"
    )


# Registration and verification ---------------------------------------------------


def test_registering_creates_a_usable_account_and_sends_a_verification_link(
    db, anon_api, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = register(anon_api, timezone="Europe/Paris")
    assert response.status_code == 201
    assert response.json()["email"] == "new@example.com"
    user = User.objects.get(email="new@example.com")
    assert user.timezone == "Europe/Paris"
    assert user.check_password(PASSWORD) and PASSWORD not in user.password
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["new@example.com"]
    link = re.search(r"http://testserver(/verify/\S+/)", mail.outbox[0].body).group(1)

    token = anon_api.post("/api/v1/auth/token/", {"email": "new@example.com", "password": PASSWORD}, format="json")
    assert token.status_code == 201  # usable before the address is verified

    anon_api.get(link)
    user.refresh_from_db()
    assert user.email_verified


def test_a_tampered_verification_link_verifies_nothing(db, client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        register(APIClient())
    link = re.search(r"http://testserver(/verify/\S+)/", mail.outbox[0].body).group(1)
    assert client.get(link + "x/").status_code == 400
    assert not User.objects.get(email="new@example.com").email_verified


def test_registration_answers_the_same_for_a_taken_address_and_emails_its_owner(
    alice, anon_api, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        new = register(anon_api, email="fresh@example.com")
        taken = register(anon_api, email="ALICE@example.com")
    assert new.status_code == taken.status_code == 201
    assert set(new.json()) == set(taken.json()) == {"email", "detail"}
    assert new.json()["detail"].replace("fresh", "alice") == taken.json()["detail"]
    assert User.objects.filter(email__iexact="alice@example.com").count() == 1
    alice.refresh_from_db()
    assert alice.check_password(PASSWORD)  # untouched
    to_alice = [m for m in mail.outbox if m.to == ["alice@example.com"]]
    assert len(to_alice) == 1 and "already has one" in to_alice[0].body
    # A weak password is refused for both, before the address is looked up.
    assert register(anon_api, email="alice@example.com", password="short").status_code == 400
    assert register(anon_api, email="other@example.com", password="short").status_code == 400


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"password": "short"}, "password"),
        ({"password": "1234567890123"}, "password"),  # numeric
        ({"timezone": "Europe/Atlantis"}, "timezone"),
        ({"timezone": "UTC\x00"}, "timezone"),
        ({"nickname": "al"}, "nickname"),
    ],
)
def test_registration_refuses_bad_input(alice, anon_api, body, field):
    response = register(anon_api, **body)
    assert response.status_code == 400
    assert field in response.json()
    assert User.objects.count() == 1


# Password reset ------------------------------------------------------------------


def test_the_password_reset_email_carries_a_link_that_sets_a_new_password(alice, client):
    password_reset_send(email="Alice@Example.com")
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["alice@example.com"]
    path = re.search(r"http://testserver(/password-reset/\S+/)", mail.outbox[0].body).group(1)
    form_url = client.get(path).url  # Django swaps the token for a session key, then shows the form
    response = client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.check_password(NEW_PASSWORD)


def test_the_reset_endpoint_answers_the_same_for_unknown_addresses(alice, anon_api):
    known = anon_api.post("/api/v1/auth/password-reset/", {"email": "alice@example.com"}, format="json")
    unknown = anon_api.post("/api/v1/auth/password-reset/", {"email": "nobody@example.com"}, format="json")
    assert known.status_code == unknown.status_code == 202
    assert known.json() == unknown.json()
    assert [m.to for m in mail.outbox] == [["alice@example.com"]]


# Tokens --------------------------------------------------------------------------


def test_a_token_from_email_and_password_works_and_is_stored_only_as_a_digest(alice, anon_api):
    response = anon_api.post(
        "/api/v1/auth/token/", {"email": "alice@example.com", "password": PASSWORD, "name": "phone"}, format="json"
    )
    assert response.status_code == 201
    raw = response.json()["token"]
    assert response.json()["name"] == "phone"
    stored = ApiToken.objects.get(name="phone")
    assert raw not in [str(value) for value in ApiToken.objects.values_list(flat=False)[0]]
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM accounts_apitoken")
        assert all(raw not in str(cell) for row in cursor.fetchall() for cell in row)
    assert stored.digest == ApiToken.digest_of(raw) and stored.prefix == raw[:8]
    anon_api.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    assert anon_api.get("/api/v1/me/").json()["email"] == "alice@example.com"


@pytest.mark.parametrize(
    "body",
    [
        {"email": "alice@example.com", "password": "wrong password!"},
        {"email": "nobody@example.com", "password": PASSWORD},
        {"email": "alice@example.com"},
        {"email": "alice@example.com", "password": PASSWORD, "scope": "all"},
    ],
)
def test_a_token_request_with_bad_credentials_is_a_400(alice, anon_api, body):
    response = anon_api.post("/api/v1/auth/token/", body, format="json")
    assert response.status_code == 400
    assert "token" not in response.json()


def test_repeated_failures_lock_the_token_endpoint_like_the_login_form(alice, anon_api, settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(3):
        anon_api.post("/api/v1/auth/token/", {"email": "alice@example.com", "password": "nope nope"}, format="json")
    response = anon_api.post("/api/v1/auth/token/", {"email": "alice@example.com", "password": PASSWORD}, format="json")
    assert response.status_code == 429
    assert "detail" in response.json()


def test_the_token_list_shows_name_prefix_and_use_but_never_the_token(alice, alice_api, bob):
    api_token_create(user=bob, name="bob's")
    _token, raw = api_token_create(user=alice, name="watch")
    rows = alice_api.get("/api/v1/tokens/").json()["results"]
    assert {row["name"] for row in rows} == {"tests", "watch"}
    assert set(rows[0]) == {"id", "name", "prefix", "created_at", "last_used_at", "expires_at"}
    assert raw not in str(rows)
    used = next(row for row in rows if row["name"] == "tests")
    assert used["last_used_at"] is not None


def test_a_new_token_is_shown_once_on_creation(alice_api):
    response = alice_api.post("/api/v1/tokens/", {"name": "script"}, format="json")
    assert response.status_code == 201
    raw = response.json()["token"]
    assert token_client_for(raw).get("/api/v1/me/").status_code == 200
    assert all("token" not in row for row in alice_api.get("/api/v1/tokens/").json()["results"])


def token_client_for(raw: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    return client


def test_a_revoked_token_is_refused_and_no_longer_listed(alice, alice_api):
    token, raw = api_token_create(user=alice, name="old phone")
    assert token_client_for(raw).get("/api/v1/me/").status_code == 200
    assert alice_api.delete(f"/api/v1/tokens/{token.pk}/").status_code == 204
    response = token_client_for(raw).get("/api/v1/me/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Token")
    assert "old phone" not in str(alice_api.get("/api/v1/tokens/").json())


def test_bob_cannot_revoke_alices_token(alice, bob_api):
    token, raw = api_token_create(user=alice, name="mine")
    assert bob_api.delete(f"/api/v1/tokens/{token.pk}/").status_code == 404
    assert token_client_for(raw).get("/api/v1/me/").status_code == 200


def test_an_inactive_users_token_is_refused(alice):
    _token, raw = api_token_create(user=alice, name="x")
    User.objects.filter(pk=alice.pk).update(is_active=False)
    assert token_client_for(raw).get("/api/v1/me/").status_code == 401


# Profile -------------------------------------------------------------------------


def test_me_shows_the_profile_with_the_suggested_goal(alice, alice_api):
    body = alice_api.get("/api/v1/me/").json()
    assert body["email"] == "alice@example.com"
    assert body["timezone"] == "Europe/Berlin"
    assert body["day_starts_at"] == "04:00"
    assert body["suggested_goal_ml"] == 2000  # no weight given
    assert body["daily_goal_ml"] is None


def test_patching_me_updates_the_profile(alice, alice_api):
    response = alice_api.patch(
        "/api/v1/me/",
        {"day_starts_at": "05:30", "body_weight_kg": 70, "units": "us", "conditions": ["diabetes"]},
        format="json",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["day_starts_at"] == "05:30"
    assert body["suggested_goal_ml"] == 2100  # 70 kg x 30 ml
    alice.refresh_from_db()
    assert alice.day_starts_at == dt.time(5, 30)
    assert alice.units == "us" and alice.conditions == ["diabetes"]


def test_an_own_daily_goal_overrides_the_suggestion(alice_api):
    body = alice_api.patch("/api/v1/me/", {"daily_goal_ml": 2500}, format="json").json()
    assert (body["goal_ml"], body["suggested_goal_ml"]) == (2500, 2000)


@pytest.mark.parametrize(
    "body",
    [
        {"day_starts_at": "25:00"},
        {"day_starts_at": "5:30pm"},
        {"day_starts_at": "05:30:00"},
        {"timezone": "Moon/Tranquility"},
        {"suggested_goal_ml": 1000},
        {"email": "other@example.com"},
        {"daily_goal_ml": 10},
        {"body_weight_kg": "heavy"},
        {"pregnancy_due_date": "2026-02-30"},
        {"conditions": ["gout"]},
        {"units": "imperial"},
        {"favourite_colour": "blue"},
    ],
)
def test_patching_me_with_bad_input_is_a_400(alice, alice_api, body):
    response = alice_api.patch("/api/v1/me/", body, format="json")
    assert response.status_code == 400
    assert set(body) <= set(response.json())
    alice.refresh_from_db()
    assert alice.timezone == "Europe/Berlin" and alice.day_starts_at == dt.time(4, 0)


def test_me_refuses_put(alice_api):
    assert alice_api.put("/api/v1/me/", {}, format="json").status_code == 405


def test_deleting_the_account_needs_the_password(alice, alice_api):
    assert alice_api.delete("/api/v1/me/", {"password": "not it"}, format="json").status_code == 400
    assert alice_api.delete("/api/v1/me/", {}, format="json").status_code == 400
    assert User.objects.filter(pk=alice.pk).exists()
    assert alice_api.delete("/api/v1/me/", {"password": PASSWORD}, format="json").status_code == 204
    assert not User.objects.filter(pk=alice.pk).exists()


@pytest.mark.parametrize("path", ["/api/v1/me/", "/api/v1/tokens/", "/api/v1/medications/", "/api/v1/export/"])
def test_account_routes_need_credentials(db, anon_api, path):
    response = anon_api.get(path)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Token")


# Medications ---------------------------------------------------------------------


def test_medications_can_be_created_listed_changed_and_deleted(alice, alice_api):
    created = alice_api.post(
        "/api/v1/medications/",
        {"name": "Water tablet", "drug_class": "diuretic", "started_on": "2026-09-01"},
        format="json",
    )
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    assert [m["id"] for m in alice_api.get("/api/v1/medications/").json()["results"]] == [pk]
    changed = alice_api.patch(f"/api/v1/medications/{pk}/", {"stopped_on": "2026-10-01"}, format="json")
    assert changed.json()["stopped_on"] == "2026-10-01"
    replaced = alice_api.put(
        f"/api/v1/medications/{pk}/", {"name": "Inhaler", "drug_class": "asthma_beta_agonist"}, format="json"
    )
    assert replaced.status_code == 200 and replaced.json()["started_on"] is None
    assert alice_api.delete(f"/api/v1/medications/{pk}/").status_code == 204
    assert alice_api.get(f"/api/v1/medications/{pk}/").status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        {"name": "X", "drug_class": "vitamin"},
        {"name": "", "drug_class": "statin"},
        {"name": "X" * 121, "drug_class": "statin"},
        {"name": "X", "drug_class": "statin", "started_on": "2026-05-01", "stopped_on": "2026-04-01"},
        {"name": "X", "drug_class": "statin", "started_on": "May"},
        {"name": "X\x00", "drug_class": "statin"},
        {"drug_class": "statin"},
    ],
)
def test_bad_medications_are_a_400(alice_api, body):
    assert alice_api.post("/api/v1/medications/", body, format="json").status_code == 400


def test_bob_cannot_see_or_touch_alices_medication(alice, bob_api):
    medication = MedicationFactory(user=alice)
    url = f"/api/v1/medications/{medication.pk}/"
    assert bob_api.get(url).status_code == 404
    assert bob_api.patch(url, {"name": "mine now"}, format="json").status_code == 404
    assert bob_api.delete(url).status_code == 404
    assert bob_api.get("/api/v1/medications/").json()["results"] == []
    medication.refresh_from_db()
    assert medication.name != "mine now"


@pytest.mark.parametrize(
    ("path", "make"),
    [
        ("/api/v1/medications/", lambda user: MedicationFactory(user=user)),
        ("/api/v1/tokens/", lambda user: api_token_create(user=user, name="t")),
    ],
    ids=["medications", "tokens"],
)
def test_account_lists_cost_the_same_queries_for_1_and_100_rows(alice, path, make, django_assert_num_queries):
    api = token_client(alice)  # one token already
    api.get(path)  # records the token's last use
    with CaptureQueriesContext(connection) as one:
        api.get(path, {"page_size": 200})
    for _ in range(99):
        make(alice)
    with django_assert_num_queries(len(one.captured_queries)):
        rows = api.get(path, {"page_size": 200}).json()["results"]
    assert len(rows) >= 99


def test_the_factory_made_user_is_not_alice(db):
    # Guards the fixtures the tests above rely on: a fresh user has no tokens or rows.
    assert not ApiToken.objects.filter(user=UserFactory()).exists()
