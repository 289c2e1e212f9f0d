"""Session lifetimes suited to health data. A session ends after 30 minutes without a
request, and 12 hours after sign-in at most; "keep me signed in" makes it 14 days
whatever the gaps. Both are checked here, on the server, from two timestamps in the
session (the cookie's own lifetime is only a hint to the browser)."""

import contextlib
import time

from django.conf import settings
from django.contrib.auth import logout

from tracker.middleware import DATABASE_ERRORS

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
        if settings.SESSION_COOKIE_NAME in request.COOKIES:
            # On a database error the view meets the same error and answers 503 (tracker.middleware).
            with contextlib.suppress(*DATABASE_ERRORS):
                self.check(request)
        return self.get_response(request)

    def check(self, request) -> None:
        session = request.session
        if "_auth_user_id" not in session or not request.user.is_authenticated:
            return
        signed_in = session.get(SIGNED_IN_AT)
        if signed_in is None:
            # Signed in by a path that did not stamp it (force_login in tests): only
            # Django's own expiry applies. Stamping here would write on a read.
            return
        now = int(time.time())
        limit = settings.SESSION_REMEMBER_SECONDS if session.get(REMEMBER) else settings.SESSION_ABSOLUTE_SECONDS
        idle = None if session.get(REMEMBER) else settings.SESSION_IDLE_SECONDS
        last_seen = session.get(LAST_SEEN, signed_in)
        if now - signed_in > limit or (idle is not None and now - last_seen > idle):
            logout(request)
        elif now - last_seen >= TOUCH_EVERY:
            session[LAST_SEEN] = now
