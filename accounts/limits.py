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
VERIFY_AGAIN_PER_USER = Limit(
    "verify-user", 3, 3600, "We have already sent several confirmation links; try again in an hour."
)
