"""Sign-in security: brute-force lockout on the login form and the API token endpoint,
a new session at login, a new password ending other sessions and tokens, account
deletion ending everything, and the email address only changed with the password."""

import datetime as dt
import re

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.models import ApiToken
from tests.conftest import PASSWORD, token_client

NEW_PASSWORD = "a different long passphrase 42"
TOKEN_URL = "/api/v1/auth/token/"


@pytest.fixture
def axes_on(settings):
    settings.AXES_ENABLED = True


def _login(client, email, password):
    return client.post(reverse("login"), {"email": email, "password": password})


def _token(client, email, password):
    return client.post(TOKEN_URL, {"email": email, "password": password}, content_type="application/json")


def _sessions_of(user) -> int:
    return sum(1 for s in Session.objects.all() if str(s.get_decoded().get("_auth_user_id")) == str(user.pk))


def test_the_login_form_locks_an_address_out_after_five_failures(client, alice, axes_on):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _login(client, "alice@example.com", "wrong password").status_code == 200
    # The fifth failure locks the address; even the right password is then refused.
    assert _login(client, "alice@example.com", "wrong password").status_code == 429
    response = _login(client, "alice@example.com", PASSWORD)
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert b"Too many failed attempts" in response.content
    assert "_auth_user_id" not in client.session


def test_changing_the_case_of_the_address_does_not_restart_the_count(client, alice, axes_on):
    variants = [
        "alice@example.com",
        "Alice@example.com",
        "ALICE@EXAMPLE.COM",
        " alice@Example.com",
        "aLICE@example.COM",
    ]
    for email in variants:
        _login(client, email, "wrong password")
    assert _login(client, "alice@example.com", PASSWORD).status_code == 429


def test_the_api_token_endpoint_locks_out_too(alice, axes_on):
    api = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _token(api, "alice@example.com", "wrong password").status_code == 400
    assert _token(api, "alice@example.com", "wrong password").status_code == 429
    response = _token(api, "alice@example.com", PASSWORD)
    assert response.status_code == 429
    assert "token" not in response.json()


def test_failures_on_the_form_and_the_api_count_together(client, alice, axes_on):
    for _ in range(3):
        _login(client, "alice@example.com", "wrong password")
    for _ in range(settings.AXES_FAILURE_LIMIT - 3):
        _token(Client(), "alice@example.com", "wrong password")
    assert _token(Client(), "alice@example.com", PASSWORD).status_code == 429
    assert _login(client, "alice@example.com", PASSWORD).status_code == 429


def test_a_locked_address_does_not_lock_out_another_user(client, alice, bob, axes_on):
    for _ in range(settings.AXES_FAILURE_LIMIT + 2):
        _login(client, "alice@example.com", "wrong password")
    assert _login(Client(), "bob@example.com", PASSWORD).status_code == 302


def test_the_lockout_ends_after_the_cool_off(client, alice, axes_on, time_machine):
    time_machine.move_to(dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC), tick=False)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, "alice@example.com", "wrong password")
    assert _login(client, "alice@example.com", PASSWORD).status_code == 429
    time_machine.move_to(dt.datetime(2026, 11, 2, 9, 16, tzinfo=dt.UTC), tick=False)
    assert _login(client, "alice@example.com", PASSWORD).status_code == 302


def test_failed_logins_are_logged_without_the_password(client, alice, axes_on, caplog):
    caplog.set_level("DEBUG")
    for _ in range(settings.AXES_FAILURE_LIMIT + 1):
        _login(client, "alice@example.com", "hunter2-wrong-secret")
    _token(Client(), "alice@example.com", "hunter2-wrong-secret")
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "login failure" in text.lower() or "locked out" in text.lower()
    assert "hunter2" not in text


def test_logging_in_gives_a_new_session_key(client, alice):
    session = client.session
    session["probe"] = "before login"
    session.save()
    before = session.session_key
    client.cookies[settings.SESSION_COOKIE_NAME] = before
    assert _login(client, "alice@example.com", PASSWORD).status_code == 302
    after = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert after != before
    assert not Session.objects.filter(session_key=before).exists()


def test_a_password_reset_ends_every_session_and_token(alice):
    phone, laptop = Client(), Client()
    phone.force_login(alice)
    laptop.force_login(alice)
    api = token_client(alice)
    assert api.get("/api/v1/me/").status_code == 200

    visitor = Client()
    visitor.post(reverse("password_reset"), {"email": "alice@example.com"})
    link = re.search(r"https?://[^/\s]+(/\S+)", mail.outbox[-1].body).group(1)
    form_url = visitor.get(link, follow=True).redirect_chain[-1][0]
    response = visitor.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 302

    assert phone.get(reverse("today"))["Location"].startswith(reverse("login"))
    assert laptop.get(reverse("today"))["Location"].startswith(reverse("login"))
    assert api.get("/api/v1/me/").status_code == 401
    assert _sessions_of(alice) == 0
    assert not ApiToken.objects.for_user(alice).active().exists()


def test_any_new_password_revokes_the_tokens_and_ends_other_sessions(alice):
    # Whatever sets it (the admin, a shell, a future settings page), not only the reset.
    other = Client()
    other.force_login(alice)
    api = token_client(alice)
    alice.set_password(NEW_PASSWORD)
    alice.save()
    assert api.get("/api/v1/me/").status_code == 401
    assert other.get(reverse("today")).status_code == 302
    assert _sessions_of(alice) == 0


def test_deleting_the_account_through_the_api_ends_every_session_and_token(alice):
    browser = Client()
    browser.force_login(alice)
    api, other_api = token_client(alice), token_client(alice)
    response = api.delete("/api/v1/me/", {"password": PASSWORD}, format="json")
    assert response.status_code == 204
    assert other_api.get("/api/v1/me/").status_code == 401
    assert browser.get(reverse("today"))["Location"].startswith(reverse("login"))
    assert _sessions_of(alice) == 0
    assert not ApiToken.objects.filter(user_id=alice.pk).exists()


def test_deleting_the_account_needs_the_password(alice):
    api = token_client(alice)
    assert api.delete("/api/v1/me/", {"password": "not it"}, format="json").status_code == 400
    assert api.get("/api/v1/me/").status_code == 200


def test_the_email_address_cannot_be_changed_without_the_password(alice):
    # No page or endpoint changes the address today; the API refuses it outright.
    api = token_client(alice)
    response = api.patch("/api/v1/me/", {"email": "mallory@example.com"}, format="json")
    assert response.status_code == 400
    alice.refresh_from_db()
    assert alice.email == "alice@example.com"
    browser = Client()
    browser.force_login(alice)
    # A valid settings form (it saves: the week start moves), with the address added.
    form = {
        "profile-timezone": "Europe/Berlin",
        "profile-day_starts_at": "04:00",
        "profile-units": "metric",
        "profile-week_starts_on": "sunday",
        "presets-TOTAL_FORMS": "0",
        "presets-INITIAL_FORMS": "0",
        "profile-email": "mallory@example.com",
        "email": "mallory@example.com",
    }
    response = browser.post(reverse("settings"), form)
    assert response.status_code == 302, response.content
    alice.refresh_from_db()
    assert alice.week_starts_on == "sunday"
    assert alice.email == "alice@example.com"


def test_a_session_past_its_expiry_date_signs_no_one_in(client, alice):
    """The session store reads its row through a prepared statement (accounts.sessions):
    the expiry rule and the table stay Django's."""
    client.force_login(alice)
    assert client.get(reverse("today")).status_code == 200
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    Session.objects.filter(session_key=key).update(expire_date=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    response = client.get(reverse("today"))
    assert response.status_code == 302 and reverse("login") in response["Location"]
