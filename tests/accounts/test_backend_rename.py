"""Sessions signed in before the user's read moved to accounts.backends.UserBackend stay
signed in: a migration renames the backend they name (Django signs out a session whose
backend is no longer configured)."""

import importlib

from django.apps import apps
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection

rename = importlib.import_module("accounts.migrations.0007_sessions_name_the_user_backend")


def _signed_in_before_the_change(user) -> SessionStore:
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = rename.OLD
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return session


def test_a_session_from_before_the_change_stays_signed_in_after_the_migration(client, alice, bob):
    session = _signed_in_before_the_change(alice)
    other = _signed_in_before_the_change(bob)
    client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
    assert client.get("/").status_code == 302  # the old backend is not configured: signed out

    session = _signed_in_before_the_change(alice)
    rename.rename_backend(apps, connection.schema_editor())  # it reads only the editor's connection
    client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
    page = client.get("/")
    assert page.status_code == 200 and b"Logged today" in page.content
    assert SessionStore(session.session_key).load()[BACKEND_SESSION_KEY] == rename.NEW
    assert SessionStore(other.session_key).load()[SESSION_KEY] == str(bob.pk)  # each keeps its own user
