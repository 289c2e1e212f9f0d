"""Session lifetimes suited to health data. A session ends after 30 minutes without a
request, and 12 hours after sign-in at most; "keep me signed in" makes it 14 days
whatever the gaps. Both are checked here, on the server, from two timestamps in the
session (the cookie's own lifetime is only a hint to the browser)."""

import time

from django.conf import settings
from django.contrib.auth import logout

SIGNED_IN_AT = "signed_in_at"
LAST_SEEN = "last_seen"
REMEMBER = "remember"
# Writing the session on every request would cost a query each; a minute is precise enough.
TOUCH_EVERY = 60


def session_start(request, *, remember: bool) -> None:
    """Called at sign-in: stamps the session and sets the browser cookie's lifetime."""
    now = int(time.time())
    request.session[SIGNED_IN_AT] = now
    request.session[LAST_SEEN] = now
    request.session[REMEMBER] = remember
    # A remembered session outlives the browser; another ends with it.
    request.session.set_expiry(settings.SESSION_REMEMBER_SECONDS if remember else 0)


class SessionTimeoutMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        if session is not None and request.user.is_authenticated and "_auth_user_id" in session:
            now = int(time.time())
            signed_in = session.get(SIGNED_IN_AT)
            last_seen = session.get(LAST_SEEN)
            if signed_in is None:  # a session from before this check, or force_login in tests
                session[SIGNED_IN_AT] = session[LAST_SEEN] = now
            elif session.get(REMEMBER):
                if now - signed_in > settings.SESSION_REMEMBER_SECONDS:
                    logout(request)
            elif now - signed_in > settings.SESSION_ABSOLUTE_SECONDS or now - last_seen > settings.SESSION_IDLE_SECONDS:
                logout(request)
            if request.user.is_authenticated and now - session.get(LAST_SEEN, now) >= TOUCH_EVERY:
                session[LAST_SEEN] = now
        return self.get_response(request)
