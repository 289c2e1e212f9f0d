import contextlib
import datetime as dt
import os
import shutil
import threading
import warnings
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from rest_framework.test import APIClient

from accounts.services import api_token_create
from tests.factories import UserFactory

REQUIRE_ALL = os.environ.get("REQUIRE_ALL") == "1"
CHROMIUM = "/usr/bin/chromium"
# Skips for a missing component carry this prefix; the summary names them in one line.
NEEDS = "needs "


def require(component: str, available: bool) -> None:
    """Skip a test whose real component is not here, or fail under REQUIRE_ALL=1 (CI)."""
    if available:
        return
    if REQUIRE_ALL:
        pytest.fail(f"{component} is required (REQUIRE_ALL=1) but not available")
    pytest.skip(f"{NEEDS}{component}")


def postgres_available() -> bool:
    return settings.DATABASES["default"]["ENGINE"].endswith("postgresql")


def redis_available() -> bool:
    return settings.CELERY_BROKER_URL.startswith("redis://")


def chromium_available() -> bool:
    return os.path.exists(CHROMIUM) or shutil.which("chromium") is not None


@pytest.fixture
def needs_postgres():
    require("PostgreSQL (set DATABASE_URL)", postgres_available())


@pytest.fixture(autouse=True)
def _worker_tests_need_postgres(request):
    # A real worker runs beside the test in threads: SQLite's shared in-memory test
    # database answers "table is locked" instead of waiting.
    if request.node.get_closest_marker("worker"):
        request.getfixturevalue("needs_postgres")


@pytest.fixture
def needs_redis():
    require("Redis (set CELERY_BROKER_URL=redis://...)", redis_available())


@pytest.fixture
def needs_chromium():
    require(f"Chromium ({CHROMIUM})", chromium_available())


CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def chromium():
    """One browser for the whole session, shared by every browser test; each test gets a
    fresh context. (Playwright's sync API keeps an event loop running in this thread, so a
    second sync_playwright() in the same process would fail.)"""
    if not chromium_available():
        yield None
        return
    # The test's own ORM calls (factories, assertions) are still plain synchronous code.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def pytest_unconfigure(config):
    # The very last line of the run. Read from the skip reports, so it also works when the
    # tests ran in xdist workers (this runs in the controller).
    terminalreporter = config.pluginmanager.get_plugin("terminalreporter")
    if terminalreporter is None or hasattr(config, "workerinput"):
        return
    missing = set()
    for report in terminalreporter.stats.get("skipped", []):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else ""
        if reason.startswith(f"Skipped: {NEEDS}"):
            missing.add(reason.removeprefix(f"Skipped: {NEEDS}"))
    if missing:
        terminalreporter.write_line(
            "Not run here, for want of: " + "; ".join(sorted(missing)) + " (CI runs them with REQUIRE_ALL=1).",
            yellow=True,
        )
    else:
        terminalreporter.write_line("Ran against: " + ", ".join(_components()) + ".")


def _components() -> list[str]:
    return [
        "PostgreSQL" if postgres_available() else "SQLite",
        "Redis broker" if redis_available() else "filesystem broker",
        "Chromium" if chromium_available() else "no browser",
    ]


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """pytest-django's test database, with a wait at the end: a thread's session that is
    still closing (a worker or live-server thread that just stopped) made the final
    DROP DATABASE fail ("being accessed by other users"). One that does not end within
    10 s is named, with its last query, so it can be found."""
    yield
    if not postgres_available():
        return
    from django.db import connection, connections

    with django_db_blocker.unblock():
        name = connection.settings_dict["NAME"]
        connections.close_all()
        others = _sessions_on(name, seconds=10)
    if others:
        # Whose session it is: the process at the client end of its socket, and this
        # process's threads still alive (a live server's request thread, a worker thread...).
        owners = [_client_process(row[-1]) for row in others]
        threads = sorted(t.name for t in threading.enumerate() if t is not threading.main_thread())
        warnings.warn(
            f"sessions still open on {name} at the end of the run: {others}; held by {owners}"
            f" (this process is {os.getpid()}); threads alive: {threads}",
            stacklevel=1,
        )


def _client_process(port) -> str:
    """The pid and command line of the local process whose TCP port is `port` (via ss)."""
    import re
    import subprocess

    if not port or not shutil.which("ss"):
        return "?"
    out = subprocess.run(["ss", "-tnpH", f"sport = :{port}"], capture_output=True, text=True).stdout
    found = re.search(r"pid=(\d+)", out)
    if not found:
        return f"port {port}: no local process"
    try:
        command = Path(f"/proc/{found[1]}/cmdline").read_bytes().replace(b"\0", b" ").decode()[:160]
    except OSError:
        command = "?"
    return f"pid {found[1]}: {command}"


def _sessions_on(name: str, seconds: float) -> list:
    import time

    import psycopg

    db = settings.DATABASES["default"]
    params = {"host": db["HOST"], "port": db["PORT"] or 5432, "user": db["USER"], "password": db["PASSWORD"] or None}
    query = (
        "SELECT pid, application_name, state, left(query, 80),"
        " backend_start::time(0)::text, state_change::time(0)::text, client_port"
        " FROM pg_stat_activity WHERE datname = %s"
    )
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as conn:
        deadline = time.monotonic() + seconds
        while (rows := conn.execute(query, [name]).fetchall()) and time.monotonic() < deadline:
            time.sleep(0.2)
    return rows


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.AXES_ENABLED = False
    # Account mail in-process, so a test reads mail.outbox at once; tests/accounts/test_mail.py
    # runs it through the broker and a real worker.
    settings.ACCOUNT_MAIL_QUEUED = False
    # Limits and throttles count in the cache: each test starts with none used.
    cache.clear()
    settings.SITE_URL = "http://testserver"


PASSWORD = "correct horse battery staple"


@pytest.fixture
def alice(db):
    # East of UTC, with a DST change on 2026-10-25.
    return UserFactory(email="alice@example.com", timezone="Europe/Berlin", password=PASSWORD)


@pytest.fixture
def bob(db):
    # West of UTC, with a DST change on 2026-11-01.
    return UserFactory(email="bob@example.com", timezone="America/New_York", password=PASSWORD)


def token_client(user) -> APIClient:
    _token, raw = api_token_create(user=user, name="tests")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    return client


@pytest.fixture
def alice_api(alice):
    return token_client(alice)


@pytest.fixture
def bob_api(bob):
    return token_client(bob)


@pytest.fixture
def anon_api():
    return APIClient()


@pytest.fixture
def now():
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


@contextlib.contextmanager
def broker_at(url: str):
    """Publish (and consume) through the broker at `url` for a while. Celery reads the
    CELERY_BROKER_URL environment variable before its own `broker_url` setting, so
    setting `app.conf.broker_url` alone changes nothing wherever that variable is set
    (CI, and every run of this suite on Redis): a broker-outage test doing only that
    kept publishing to the healthy broker."""
    from tracker.celery import app

    saved_env = os.environ.get("CELERY_BROKER_URL")
    saved = app.conf.broker_url, app.conf.broker_transport_options
    os.environ["CELERY_BROKER_URL"] = url
    app.conf.broker_url = url
    app.conf.broker_transport_options = settings.REDIS_TRANSPORT_OPTIONS
    app._pool = None
    app.amqp._producer_pool = None
    try:
        yield
    finally:
        if saved_env is None:
            os.environ.pop("CELERY_BROKER_URL", None)
        else:
            os.environ["CELERY_BROKER_URL"] = saved_env
        app.conf.broker_url, app.conf.broker_transport_options = saved
        app._pool = None
        app.amqp._producer_pool = None
