"""Abuse limits that hold behind a proxy: throttle and lockout keys from the trusted hop
of X-Forwarded-For only, a per-source limit on failed sign-ins across all addresses,
a successful token request resetting the address's count, and the password check of
account deletion counting toward the lockout."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from accounts import limits
from tests.conftest import PASSWORD, token_client
from tests.factories import UserFactory

TOKEN_URL = "/api/v1/auth/token/"


@pytest.fixture
def axes_on(settings):
    settings.AXES_ENABLED = True


@pytest.fixture
def behind_one_proxy(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}


def _token(client, email, password, **headers):
    return client.post(TOKEN_URL, {"email": email, "password": password}, format="json", **headers)


def _anon_rate() -> int:
    from rest_framework.throttling import AnonRateThrottle

    return AnonRateThrottle().num_requests


@pytest.mark.django_db
def test_a_client_sent_x_forwarded_for_never_changes_the_throttle_key():
    client = APIClient()
    answers = [
        client.post(TOKEN_URL, {}, format="json", HTTP_X_FORWARDED_FOR=f"10.0.{i // 250}.{i % 250}").status_code
        for i in range(_anon_rate() + 1)
    ]
    assert answers[:-1] == [400] * _anon_rate()
    assert answers[-1] == 429


@pytest.mark.django_db
def test_behind_one_proxy_the_throttle_keys_on_the_address_the_proxy_saw(behind_one_proxy):
    client = APIClient()
    for i in range(_anon_rate()):
        # The client prepends whatever it likes; the proxy appends the real address.
        assert (
            client.post(TOKEN_URL, {}, format="json", HTTP_X_FORWARDED_FOR=f"10.9.9.{i % 250}, 203.0.113.5").status_code
            == 400
        )
    assert client.post(TOKEN_URL, {}, format="json", HTTP_X_FORWARDED_FOR="1.1.1.1, 203.0.113.5").status_code == 429
    # Another client behind the same proxy has its own budget.
    assert client.post(TOKEN_URL, {}, format="json", HTTP_X_FORWARDED_FOR="203.0.113.6").status_code == 400


@pytest.mark.django_db
def test_behind_a_proxy_an_attacker_locking_an_address_does_not_lock_out_its_owner(alice, axes_on, behind_one_proxy):
    attacker = Client(HTTP_X_FORWARDED_FOR="198.51.100.7")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attacker.post(reverse("login"), {"email": "alice@example.com", "password": "wrong password"})
    assert attacker.post(reverse("login"), {"email": "alice@example.com", "password": PASSWORD}).status_code == 429
    # Before, every client behind the proxy shared its address: alice was locked out too.
    owner = Client(HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert owner.post(reverse("login"), {"email": "alice@example.com", "password": PASSWORD}).status_code == 302


@pytest.mark.django_db
def test_password_spraying_from_one_source_is_stopped_across_addresses(alice, bob, axes_on):
    limit = limits.SIGNIN_FAILURES_PER_SOURCE.count
    others = [UserFactory(email=f"victim{i}@example.com") for i in range(limit)]
    browser, api = Client(), APIClient()
    for i, victim in enumerate(others):
        # One guess per address (axes' per-address lockout never triggers), form and API mixed.
        if i % 2:
            assert browser.post(reverse("login"), {"email": victim.email, "password": "Summer2026!"}).status_code == 200
        else:
            assert _token(api, victim.email, "Summer2026!").status_code == 400
    page = browser.post(reverse("login"), {"email": "bob@example.com", "password": PASSWORD})
    assert page.status_code == 429 and "15 minutes" in page.content.decode()
    refused = _token(api, "alice@example.com", PASSWORD)
    assert refused.status_code == 429 and int(refused["Retry-After"]) == 900
    # Another source is not held up.
    assert _token(APIClient(REMOTE_ADDR="192.0.2.44"), "alice@example.com", PASSWORD).status_code == 201


@pytest.mark.django_db
def test_a_successful_token_request_resets_the_addresss_failure_count(alice, axes_on):
    api = APIClient()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _token(api, "alice@example.com", "wrong password").status_code == 400
    assert _token(api, "alice@example.com", PASSWORD).status_code == 201
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _token(api, "alice@example.com", "wrong password").status_code == 400
    assert _token(api, "alice@example.com", PASSWORD).status_code == 201


@pytest.mark.django_db
def test_the_password_check_of_account_deletion_counts_toward_the_lockout(alice, axes_on):
    api = token_client(alice)
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert api.delete("/api/v1/me/", {"password": "guess"}, format="json").status_code == 400
    assert api.delete("/api/v1/me/", {"password": "guess"}, format="json").status_code == 429
    # Locked: the right password no longer deletes, and the login form is locked too.
    assert api.delete("/api/v1/me/", {"password": PASSWORD}, format="json").status_code == 429
    assert Client().post(reverse("login"), {"email": "alice@example.com", "password": PASSWORD}).status_code == 429
    alice.refresh_from_db()
    assert alice.pk is not None


@pytest.mark.django_db
def test_the_deletion_page_counts_wrong_passwords_too(alice, axes_on):
    browser = Client()
    browser.force_login(alice)
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert browser.post(reverse("account-delete"), {"password": "guess"}).status_code == 400
    assert browser.post(reverse("account-delete"), {"password": "guess"}).status_code == 429


# Signed-in password change ------------------------------------------------------------

NEW_PASSWORD = "a different long passphrase 42"


@pytest.mark.django_db
def test_the_password_page_asks_for_the_current_password_and_keeps_this_session(alice):
    browser, other = Client(), Client()
    browser.force_login(alice)
    other.force_login(alice)
    url = reverse("password-change")
    wrong = browser.post(url, {"old_password": "guess", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert wrong.status_code == 400 and "current password" in wrong.content.decode().lower()
    right = browser.post(url, {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert right.status_code == 302
    alice.refresh_from_db()
    assert alice.check_password(NEW_PASSWORD)
    assert browser.get(reverse("today")).status_code == 200  # this session goes on
    assert other.get(reverse("today")).status_code == 302  # the other one ended


@pytest.mark.django_db
def test_the_api_password_change_asks_for_the_current_password_and_revokes_tokens(alice, axes_on):
    api = token_client(alice)
    url = "/api/v1/me/password/"
    wrong = api.post(url, {"current_password": "guess", "new_password": NEW_PASSWORD}, format="json")
    assert wrong.status_code == 400 and "current_password" in wrong.json()
    weak = api.post(url, {"current_password": PASSWORD, "new_password": "123"}, format="json")
    assert weak.status_code == 400 and "new_password" in weak.json()
    done = api.post(url, {"current_password": PASSWORD, "new_password": NEW_PASSWORD}, format="json")
    assert done.status_code == 200
    assert api.get("/api/v1/me/").status_code == 401  # every token revoked, this one too
    assert _token(APIClient(), "alice@example.com", NEW_PASSWORD).status_code == 201


@pytest.mark.django_db
def test_wrong_current_passwords_count_toward_the_lockout(alice, axes_on):
    api = token_client(alice)
    url = "/api/v1/me/password/"
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert (
            api.post(url, {"current_password": "guess", "new_password": NEW_PASSWORD}, format="json").status_code == 400
        )
    assert api.post(url, {"current_password": "guess", "new_password": NEW_PASSWORD}, format="json").status_code == 429


# API token expiry ----------------------------------------------------------------------


@pytest.mark.django_db
def test_an_api_token_may_carry_an_expiry_after_which_it_answers_401(alice):
    import datetime as dt

    import time_machine
    from django.utils import timezone

    made = APIClient().post(
        TOKEN_URL, {"email": "alice@example.com", "password": PASSWORD, "expires_in_days": 2}, format="json"
    )
    assert made.status_code == 201
    expires = dt.datetime.fromisoformat(made.json()["expires_at"])
    assert abs(expires - (timezone.now() + dt.timedelta(days=2))) < dt.timedelta(minutes=1)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {made.json()['token']}")
    assert api.get("/api/v1/me/").status_code == 200
    listed = api.get("/api/v1/tokens/").json()["results"]
    assert any(t["expires_at"] for t in listed)
    with time_machine.travel(expires + dt.timedelta(seconds=1)):
        assert api.get("/api/v1/me/").status_code == 401
    for bad in (0, 366, "7"):
        refused = token_client(alice).post("/api/v1/tokens/", {"name": "x", "expires_in_days": bad}, format="json")
        assert refused.status_code == 400 and "expires_in_days" in refused.json()
    assert (
        token_client(alice).post("/api/v1/tokens/", {"name": "x", "expires_in_days": 30}, format="json").status_code
        == 201
    )


# Session lifetimes -----------------------------------------------------------------------


def _signed_in(remember: bool) -> Client:
    browser = Client()
    data = {"email": "alice@example.com", "password": PASSWORD}
    if remember:
        data["remember"] = "on"
    assert browser.post(reverse("login"), data).status_code == 302
    return browser


@pytest.mark.django_db
def test_a_session_ends_after_30_idle_minutes_and_12_hours_unless_kept(alice):
    import datetime as dt

    import time_machine

    start = dt.datetime.now(dt.UTC)
    with time_machine.travel(start, tick=False) as clock:
        idle = _signed_in(remember=False)
        busy = _signed_in(remember=False)
        kept = _signed_in(remember=True)
        # The browser forgets the plain session when it closes; the kept one has 14 days.
        assert idle.cookies[settings.SESSION_COOKIE_NAME]["max-age"] == ""
        assert int(kept.cookies[settings.SESSION_COOKIE_NAME]["max-age"]) == 14 * 86400
        clock.shift(dt.timedelta(minutes=29))
        assert busy.get(reverse("today")).status_code == 200
        clock.shift(dt.timedelta(minutes=2))
        assert idle.get(reverse("today")).status_code == 302  # 31 minutes idle: signed out
        assert busy.get(reverse("today")).status_code == 200
        assert kept.get(reverse("today")).status_code == 200
        for _ in range(12 * 3):  # busy every 20 minutes, for 12 hours
            clock.shift(dt.timedelta(minutes=20))
            busy.get(reverse("today"))
        assert busy.get(reverse("today")).status_code == 302  # past 12 hours: signed out
        assert kept.get(reverse("today")).status_code == 200
        clock.shift(dt.timedelta(days=14))
        assert kept.get(reverse("today")).status_code == 302
