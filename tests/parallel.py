"""Loaded with `-p tests.parallel`, before Django's settings are read: parallel test
processes (pytest-xdist) share one Redis and one var/ folder, so each takes its own
broker database or folder; otherwise one process's worker would take (or flush)
another's tasks."""

import os

worker = os.environ.get("PYTEST_XDIST_WORKER")
if worker:
    index = int(worker.removeprefix("gw"))
    broker = os.environ.get("CELERY_BROKER_URL", "")
    if broker.startswith("redis://"):
        base, _, db = broker.rpartition("/")
        # Counting down from the given number, wrapping within Redis' 16 databases: a
        # base of /0 gave gw1 the database -1, which Redis refuses.
        os.environ["CELERY_BROKER_URL"] = f"{base}/{(int(db or 0) - index) % 16}"
    os.environ["VAR_DIR"] = os.path.join(os.environ.get("VAR_DIR", "var"), f"test-{worker}")
