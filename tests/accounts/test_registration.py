"""Registering answers the same whether or not the address already has an account, on
the signup page and in the API: the same redirect or body, nobody signed in, the same
hashing work, and the mail queued after commit. The email says which: a confirmation
link for a new address, "you already have an account" with a reset link for a taken one."""

import re

import pytest
from django.contrib.auth.hashers import MD5PasswordHasher
from django.core import mail
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import User
from tests.conftest import PASSWORD


class CountingHasher(MD5PasswordHasher):
    """Counts the passwords hashed: the work a taken address must match."""

    algorithm = "counting_md5"
    calls = 0

    def encode(self, password, salt):
        type(self).calls += 1
        return super().encode(password, salt)


@pytest.fixture
def hashes(settings):
    settings.PASSWORD_HASHERS = ["tests.accounts.test_registration.CountingHasher"]
    CountingHasher.calls = 0
    return CountingHasher


def _page_signup(email, timezone="Asia/Tokyo"):
    client = Client()
    response = client.post(reverse("signup"), {"email": email, "password": PASSWORD, "timezone": timezone})
    return client, response


def _api_signup(email):
    return APIClient().post("/api/v1/auth/register/", {"email": email, "password": PASSWORD}, format="json")


def _signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_the_signup_page_answers_the_same_for_a_new_and_a_taken_address(alice, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        new_client, new = _page_signup("Carol@Example.com")
        taken_client, taken = _page_signup("ALICE@example.com")
    assert new.status_code == taken.status_code == 302
    assert new["Location"] == taken["Location"] == "/login/?next=/welcome/"
    assert sorted(new.cookies) == sorted(taken.cookies)
    # Neither is signed in: signing the new address in would tell it apart from a taken one.
    assert not _signed_in(new_client) and not _signed_in(taken_client)
    new_page = new_client.get(new["Location"]).content.decode()
    taken_page = taken_client.get(taken["Location"]).content.decode()
    assert "We sent an email to carol@example.com" in new_page
    # The same page but for the address typed (and each visitor's own CSRF token).
    assert _same_but_csrf(new_page.replace("carol@example.com", "alice@example.com"), taken_page)

    carol = User.objects.get(email="carol@example.com")
    assert carol.timezone == "Asia/Tokyo" and not carol.email_verified
    assert User.objects.filter(email__iexact="alice@example.com").count() == 1
    alice.refresh_from_db()
    assert alice.check_password(PASSWORD) and alice.timezone == "Europe/Berlin"  # untouched

    to_carol = [m for m in mail.outbox if m.to == ["carol@example.com"]]
    to_alice = [m for m in mail.outbox if m.to == ["alice@example.com"]]
    assert len(to_carol) == 1 and re.search(r"http://testserver/verify/\S+/", to_carol[0].body)
    assert len(to_alice) == 1 and "already has one" in to_alice[0].body
    assert "http://testserver/password-reset/" in to_alice[0].body


def _same_but_csrf(one: str, other: str) -> bool:
    pattern = r'name="csrfmiddlewaretoken" value="[^"]+"'
    return re.sub(pattern, "", one) == re.sub(pattern, "", other)


def test_the_new_account_signs_in_from_the_page_it_lands_on_and_goes_to_the_set_up(db):
    client, response = _page_signup("dana@example.com")
    page = client.get(response["Location"])
    # The address typed is filled in; only the password is asked again.
    assert re.search(rb'name="email"[^>]*value="dana@example.com"', page.content)
    # ...and the cursor waits in the password, not in the address already there.
    assert re.search(rb'<input[^>]*name="password"[^>]*autofocus', page.content)
    assert not re.search(rb'<input[^>]*name="email"[^>]*autofocus', page.content)
    signed_in = client.post(response["Location"], {"email": "dana@example.com", "password": PASSWORD})
    assert signed_in.status_code == 302 and signed_in["Location"] == "/welcome/"
    assert client.get("/welcome/").status_code == 200


@pytest.mark.parametrize("signup", ["page", "api"])
def test_a_taken_address_costs_the_same_password_hashing_as_a_new_one(alice, hashes, signup):
    for email in ("fresh@example.com", "alice@example.com"):
        hashes.calls = 0
        response = _page_signup(email)[1] if signup == "page" else _api_signup(email)
        assert response.status_code in (201, 302), response.content
        assert hashes.calls == 1, email


@pytest.mark.parametrize("signup", ["page", "api"])
def test_signup_mail_waits_for_the_commit_for_a_new_and_a_taken_address(
    alice, django_capture_on_commit_callbacks, signup
):
    for email in ("fresh@example.com", "alice@example.com"):
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            response = _page_signup(email)[1] if signup == "page" else _api_signup(email)
        assert response.status_code in (201, 302), response.content
        assert mail.outbox == [] and len(callbacks) == 1, email
        callbacks[0]()
        assert [m.to for m in mail.outbox] == [[email]]
        mail.outbox.clear()


def test_a_weak_password_is_refused_on_the_page_for_a_new_and_a_taken_address_alike(alice):
    answers = []
    for email in ("fresh@example.com", "alice@example.com"):
        response = Client().post(reverse("signup"), {"email": email, "password": "short", "timezone": "UTC"})
        answers.append((response.status_code, "too short" in response.content.decode()))
    assert answers == [(400, True), (400, True)]
    assert not User.objects.filter(email="fresh@example.com").exists()
