"""Each parallel test process gets a broker database Redis accepts (0-15)."""

import pytest

from tests.parallel import broker_for_worker


@pytest.mark.parametrize(
    ("url", "worker", "expected"),
    [
        ("redis://127.0.0.1:6379/6", "gw0", "redis://127.0.0.1:6379/6"),
        ("redis://127.0.0.1:6379/6", "gw1", "redis://127.0.0.1:6379/5"),
        # From /0 the next process wraps to 15, not -1.
        ("redis://127.0.0.1:6379/0", "gw1", "redis://127.0.0.1:6379/15"),
        ("redis://127.0.0.1:6379/1", "gw3", "redis://127.0.0.1:6379/14"),
        # No database in the URL means 0; a password and a query string are kept.
        ("redis://127.0.0.1:6379", "gw1", "redis://127.0.0.1:6379/15"),
        ("redis://:secret@cache:6379/2?socket_timeout=5", "gw1", "redis://:secret@cache:6379/1?socket_timeout=5"),
        ("filesystem://", "gw1", "filesystem://"),
    ],
)
def test_each_worker_gets_a_redis_database_redis_accepts(url, worker, expected):
    assert broker_for_worker(url, worker) == expected
