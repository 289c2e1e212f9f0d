"""Loaded with `-p tests.parallel`, before Django's settings are read: parallel test
processes (pytest-xdist) share one Redis and one var/ folder, so each takes its own
broker database or folder; otherwise one process's worker would take (or flush)
another's tasks."""

import os
from urllib.parse import urlsplit, urlunsplit

REDIS_DATABASES = 16  # redis.conf's default `databases`


def broker_for_worker(url: str, worker: str) -> str:
    """The broker URL for xdist worker `gwN`: Redis database number counted down from
    the one given (0 when the URL names none), wrapping within Redis' 16 databases (a
    base of /0 once gave gw1 the database -1, which Redis refuses). Other brokers as given."""
    if not url.startswith("redis://"):
        return url
    index = int(worker.removeprefix("gw"))
    parts = urlsplit(url)
    base = int(parts.path.strip("/") or 0)
    return urlunsplit(parts._replace(path=f"/{(base - index) % REDIS_DATABASES}"))


worker = os.environ.get("PYTEST_XDIST_WORKER")
if worker:
    os.environ["CELERY_BROKER_URL"] = broker_for_worker(os.environ.get("CELERY_BROKER_URL", ""), worker)
    os.environ["VAR_DIR"] = os.path.join(os.environ.get("VAR_DIR", "var"), f"test-{worker}")
