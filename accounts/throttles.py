"""The API's request rates (settings.REST_FRAMEWORK's "anon" and "user"), counted with a
counter per client instead of DRF's list of every request's time.

DRF's SimpleRateThrottle reads, trims and writes back a list of timestamps on every
request: at `6000/min` one busy client's list holds thousands of entries, pickled to
the cache and back twice a request. Here a client's window opens with its first request
and lasts the rate's period; the cache holds when it opened and a counter that
`cache.incr` raises (atomic in Redis; LocMemCache locks). The same number of requests
is allowed per window, the next one gets 429 with Retry-After: the seconds until the
window closes. Who is counted (the user, or the address from the trusted proxy hop
for anonymous calls) is DRF's rule, inherited unchanged.
"""

from rest_framework import throttling


class WindowCounterMixin:
    def allow_request(self, request, view) -> bool:
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self.now = self.timer()
        opened_key = f"{self.key}:opened"
        opened = self.cache.get(opened_key)
        if opened is None:
            # The first request of a window; of two at once, the first add wins.
            if not self.cache.add(opened_key, self.now, self.duration):
                opened = self.cache.get(opened_key)
            opened = self.now if opened is None else opened
        self.opened = opened
        # The counter is named after its window, and lives twice as long as the window:
        # it never expires while it is counted, so incr never meets a missing key
        # halfway (Redis would then make one that never expires).
        count_key = f"{self.key}:{opened!r}"
        try:
            count = self.cache.incr(count_key)
        except ValueError:
            count = 1 if self.cache.add(count_key, 1, self.duration * 2) else self.cache.incr(count_key)
        return count <= self.num_requests

    def wait(self) -> float:
        return max(self.opened + self.duration - self.now, 0.0)


class AnonRateThrottle(WindowCounterMixin, throttling.AnonRateThrottle):
    pass


class UserRateThrottle(WindowCounterMixin, throttling.UserRateThrottle):
    pass
