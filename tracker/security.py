"""Account-security hooks that must hold on every code path: brute-force lockout keys,
what a password change ends, and the lockout answer."""

import logging
import math

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string

log = logging.getLogger("tracker.security")


def axes_username(request, credentials: dict | None) -> str | None:
    """The address an attempt is counted against, whichever way it came in.

    The login form authenticates with `username=`, the API token view with `email=`,
    and axes reads one key only: with the stock setting the form's failures were
    counted under None and never locked the address. Lower-cased, as login is
    case-insensitive, so `Alice@` and `alice@` share one counter.
    """
    value = None
    if credentials:
        value = credentials.get("email") or credentials.get("username")
    if value is None and request is not None:
        data = getattr(request, "data", None) or request.POST
        if hasattr(data, "get"):
            value = data.get("email") or data.get("username")
    if not isinstance(value, str):
        return None
    return value.strip().lower() or None


def client_ip(request) -> str:
    """The client's address as the outermost trusted proxy saw it. Entries further
    left in X-Forwarded-For were written by the client and are never trusted."""
    remote = request.META.get("REMOTE_ADDR", "")
    hops = settings.TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if hops <= 0 or not forwarded:
        return remote
    entries = [entry.strip() for entry in forwarded.split(",") if entry.strip()]
    return entries[-min(hops, len(entries))] if entries else remote


def lockout_response(request, original_response=None, credentials=None) -> HttpResponse:
    """429 with Retry-After: JSON under /api/, a short page elsewhere."""
    cool_off_seconds = math.ceil(float(settings.AXES_COOLOFF_TIME) * 3600)
    message = "Too many failed attempts to sign in. Try again later, or reset your password."
    path = getattr(request, "path", "") or ""
    if path.startswith("/api/"):
        response = JsonResponse({"detail": message}, status=429)
    else:
        response = HttpResponse(
            render_to_string("security/locked_out.html", {"message": message, "minutes": cool_off_seconds // 60}),
            status=429,
        )
    response["Retry-After"] = str(cool_off_seconds)
    return response


class PasswordChangeEndsAccess:
    """Listed in AUTH_PASSWORD_VALIDATORS for its `password_changed` hook, which Django
    calls from `User.save()` after any `set_password()` — the change form, the reset
    form, the admin and the shell alike. A new password ends every other session and
    revokes every API token, since a reset usually means the old one leaked.

    The session of a signed-in user who changes their own password survives:
    PasswordChangeView calls update_session_auth_hash, which moves it to a new key.
    """

    def validate(self, password, user=None):
        return None

    def get_help_text(self):
        return ""

    def password_changed(self, password, user=None):
        if user is None or user.pk is None:
            return
        from accounts.services import sessions_end, tokens_revoke_all

        tokens_revoke_all(user=user)
        # A user who never logged in has no session to end; skips the scan at signup.
        if user.last_login is not None:
            ended = sessions_end(user=user)
            log.info("password changed user=%s sessions_ended=%s tokens_revoked=all", user.pk, ended)
