"""Limits on mail and on failures, counted in the shared cache (Redis when CACHE_URL
is set, so every web process counts together). Fixed windows: simple, and a burst at a
window's edge is at most twice the limit."""

import hashlib
from dataclasses import dataclass

from django.core.cache import cache


class LimitExceeded(Exception):
    def __init__(self, limit: "Limit"):
        super().__init__(limit.message)
        self.limit = limit


@dataclass(frozen=True)
class Limit:
    name: str
    count: int
    seconds: int
    message: str

    def _key(self, subject: str) -> str:
        # Hashed: cache keys must not hold addresses or IPs in clear.
        return f"limit:{self.name}:{hashlib.sha256(subject.lower().encode()).hexdigest()}"

    def hit(self, subject: str) -> None:
        """Count one use by `subject`; LimitExceeded past `count` in the window."""
        key = self._key(subject)
        cache.add(key, 0, self.seconds)
        try:
            used = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, self.seconds)
            used = 1
        if used > self.count:
            raise LimitExceeded(self)

    def add(self, subject: str) -> int:
        """Count one use without refusing it (failures are counted after the fact)."""
        key = self._key(subject)
        cache.add(key, 0, self.seconds)
        try:
            return cache.incr(key)
        except ValueError:
            cache.set(key, 1, self.seconds)
            return 1

    def check(self, subject: str) -> None:
        """LimitExceeded if `subject` has used up the window, without counting."""
        if self.used(subject) >= self.count:
            raise LimitExceeded(self)

    def used(self, subject: str) -> int:
        return cache.get(self._key(subject), 0)

    def reset(self, subject: str) -> None:
        cache.delete(self._key(subject))

    @property
    def retry_after(self) -> int:
        return self.seconds


PASSWORD_RESET_PER_ADDRESS = Limit(
    "reset-address", 3, 3600, "We have already sent several reset links to this address; try again in an hour."
)
# Password spraying: many addresses tried from one source. Counted on every failed
# sign-in (login form, token endpoint, the password check of account deletion and of
# a password change), across all addresses, besides axes' per-(address, IP) lockout.
SIGNIN_FAILURES_PER_SOURCE = Limit(
    "signin-source", 20, 900, "Too many failed sign-ins from your network; try again in 15 minutes."
)


def lockout_limit() -> Limit:
    """axes' per-(address, IP) lockout, described as a Limit for the 429 answers."""
    from django.conf import settings

    return Limit(
        "lockout",
        settings.AXES_FAILURE_LIMIT,
        int(float(settings.AXES_COOLOFF_TIME) * 3600),
        "Too many failed attempts to sign in. Try again later, or reset your password.",
    )


# "You already have an account" mails per address; past it the mail is skipped silently.
ALREADY_REGISTERED_PER_ADDRESS = Limit("registered-address", 3, 3600, "")
VERIFY_AGAIN_PER_USER = Limit(
    "verify-user", 3, 3600, "We have already sent several confirmation links; try again in an hour."
)


def count_signin_failure(sender, credentials=None, request=None, **kwargs) -> None:
    """`user_login_failed` receiver: every failed authenticate() with a request counts
    against its source address."""
    if request is None:
        return
    from tracker.security import client_ip

    SIGNIN_FAILURES_PER_SOURCE.add(client_ip(getattr(request, "_request", request)))


def signin_source_check(request) -> None:
    """LimitExceeded when the request's source has used up its failed sign-ins."""
    from tracker.security import client_ip

    SIGNIN_FAILURES_PER_SOURCE.check(client_ip(getattr(request, "_request", request)))
