"""The production configuration, started as deploy/ describes it: migrations and
collectstatic, gunicorn with DEBUG off, PostgreSQL, Redis (broker and cache), one
Celery worker and one beat, each in its own process. A user registers, confirms the
address from the emailed link, logs drinks, gets a reminder delivered by the worker,
and receives the weekly report that beat's sweep claims."""

import contextlib
import datetime as dt
import email
import email.header
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg
import pytest
import requests
from django.conf import settings

from tests.conftest import PASSWORD
from tracker.reports.schedule import report_week_owed

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
HTTPS = {"X-Forwarded-Proto": "https"}  # as the TLS-terminating proxy says


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def _port_open(port: int) -> bool:
    with socket.create_connection(("127.0.0.1", port), timeout=0.2):
        return True


def _wait(predicate, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):
            result = predicate()
            if result:
                return result
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def production_database(needs_postgres):
    db = settings.DATABASES["default"]
    name = f"{db['NAME']}_production_smoke"
    admin = dict(host=db["HOST"], port=db["PORT"] or 5432, user=db["USER"], password=db["PASSWORD"] or None)
    with psycopg.connect(dbname="postgres", autocommit=True, **admin) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    yield f"postgres://{db['USER']}{password}@{db['HOST']}:{admin['port']}/{name}", {"dbname": name, **admin}
    with psycopg.connect(dbname="postgres", autocommit=True, **admin) as conn:
        # Every process of the configuration has ended and closed its sessions (FORCE
        # below would hide one left behind, e.g. a pool child outliving its parent).
        left = _sessions(conn, name)
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    assert left == [], f"sessions still open on the smoke database at teardown: {left}"


def _sessions(conn, name: str, seconds: float = 15) -> list:
    """The client sessions still on database `name`, after waiting for them to end."""
    query = "SELECT pid, application_name, state FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()"
    deadline = time.monotonic() + seconds
    while (rows := conn.execute(query, [name]).fetchall()) and time.monotonic() < deadline:
        time.sleep(0.2)
    return rows


@pytest.fixture
def production_redis(needs_redis):
    """A redis-server of our own, so no message of another test reaches these workers."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("redis-server is needed for the production smoke test")
    port = _free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    _wait(lambda: _port_open(port), 10, "redis-server")
    yield f"redis://127.0.0.1:{port}"
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def production(tmp_path, production_database, production_redis):
    url, _ = production_database
    port = _free_port()
    var = tmp_path / "var"
    env = {
        "PATH": f"{BIN}:/usr/bin:/bin",
        "HOME": str(tmp_path),
        "DJANGO_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SITE_URL": f"http://127.0.0.1:{port}",
        "DATABASE_URL": url,
        "CELERY_BROKER_URL": f"{production_redis}/0",
        "CACHE_URL": f"{production_redis}/1",
        "STATIC_ROOT": str(tmp_path / "static"),
        "VAR_DIR": str(var),
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        # Beat's clock sped up so the smoke test does not wait a minute.
        "DISPATCH_SECONDS": "2",
        "WEEKLY_REPORT_SWEEP_SECONDS": "2",
        "PYTHONUNBUFFERED": "1",
    }
    (var / "mail").mkdir(parents=True)

    def manage(*args):
        result = subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
        )
        assert result.returncode == 0, result.stdout + result.stderr
        return result

    manage("migrate", "--noinput")
    # As deploy/ runs it: without the assets production never serves (DRF's browsable
    # API is DEBUG-only, htmx is vendored, the docs page is Swagger UI, not ReDoc).
    manage("collectstatic", "--noinput", "--ignore", "rest_framework", "--ignore", "django_htmx", "--ignore", "redoc")
    manage("check", "--deploy", "--fail-level", "WARNING")
    logs = {}
    commands = {
        "web": [
            str(BIN / "gunicorn"),
            "tracker.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--timeout",
            "120",
        ],  # a loaded CI machine boots a worker (scipy, matplotlib) slowly
        "worker": [str(BIN / "celery"), "-A", "tracker", "worker", "--loglevel", "INFO", "--concurrency", "1"],
        "beat": [str(BIN / "celery"), "-A", "tracker", "beat", "--loglevel", "INFO", "--schedule", str(var / "beat")],
    }
    processes = {}
    for name, command in commands.items():
        logs[name] = open(tmp_path / f"{name}.log", "w+")  # noqa: SIM115 (closed below)
        # Each in its own process group, so stopping it stops what it forked too (gunicorn's
        # workers, the Celery pool's child), and none keeps a database session open.
        processes[name] = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=logs[name], stderr=subprocess.STDOUT, start_new_session=True
        )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait(lambda: requests.get(f"{base}/healthz", timeout=2).status_code == 200, 180, "gunicorn's /healthz")
        yield {"base": base, "mail": var / "mail", "logs": logs}
    finally:
        stragglers = []
        for process in processes.values():
            os.killpg(process.pid, signal.SIGTERM)
        for name, process in processes.items():
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
            if _group_alive(process.pid):  # a child outlived its parent
                time.sleep(2)
                if _group_alive(process.pid):
                    os.killpg(process.pid, signal.SIGKILL)
                    stragglers.append(name)
            logs[name].seek(0)
            print(f"--- {name} log ---\n{logs[name].read()[-3000:]}")
            logs[name].close()
        assert not stragglers, f"processes left running after SIGTERM: {stragglers}"


def _mails(folder: Path) -> list[email.message.Message]:
    return [email.message_from_bytes(path.read_bytes()) for path in sorted(folder.glob("*.log"))]


def _subject(message) -> str:
    # A subject with a non-ASCII dash ("2–8 Nov") is RFC 2047-encoded in the file.
    return str(email.header.make_header(email.header.decode_header(message["Subject"])))


def _text(message) -> str:
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            return part.get_payload(decode=True).decode()
    return ""


# No django_db: the test reaches the configuration only over HTTP and its own psycopg
# connection, so it holds no session on the test database either.
@pytest.mark.production
def test_register_log_remind_and_report_through_the_production_configuration(production, production_database):
    base, mail_dir = production["base"], production["mail"]
    web = requests.Session()
    web.headers.update(HTTPS)

    # Static files collected and served by WhiteNoise, hashed names; no debug pages.
    login = web.get(f"{base}/login/", timeout=10)
    assert login.status_code == 200
    css = re.search(r'href="(/static/[^"]+\.[0-9a-f]{12}\.css)"', login.text)
    assert css, "a hashed stylesheet link (ManifestStaticFilesStorage)"
    assert web.get(base + css.group(1), timeout=10).status_code == 200
    docs = web.get(f"{base}/api/docs/", timeout=10)
    bundle = re.search(r'src="(/static/[^"]+swagger-ui-bundle\.[0-9a-f]{12}\.js)"', docs.text)
    assert docs.status_code == 200 and bundle, docs.text[:500]
    assert web.get(base + bundle.group(1), timeout=10).status_code == 200
    missing = web.get(f"{base}/no-such-page/", timeout=10)
    assert missing.status_code == 404 and "Traceback" not in missing.text and "DEBUG" not in missing.text
    assert requests.get(f"{base}/login/", timeout=10, allow_redirects=False).status_code == 301  # to https

    # Register; the confirmation link comes through the worker.
    answer = web.post(
        f"{base}/api/v1/auth/register/", json={"email": "prod@example.com", "password": PASSWORD}, timeout=10
    )
    assert answer.status_code == 201, answer.text
    link = _wait(
        lambda: re.search(r"http://\S+(/verify/\S+/)", _text(_mails(mail_dir)[0])).group(1), 60, "the confirmation"
    )
    assert web.get(base + link, timeout=10, allow_redirects=False).status_code == 302
    token = web.post(
        f"{base}/api/v1/auth/token/", json={"email": "prod@example.com", "password": PASSWORD}, timeout=10
    ).json()["token"]
    api = requests.Session()
    api.headers.update({**HTTPS, "Authorization": f"Token {token}"})
    assert api.get(f"{base}/api/v1/me/", timeout=10).json()["email_verified"] is True

    # Log a drink now and one in the week whose report is owed next.
    now = dt.datetime.now(dt.UTC)
    owed = report_week_owed(now, zone=ZoneInfo("UTC"), week_starts_on="monday")
    for taken_at in (now - dt.timedelta(minutes=5), dt.datetime.combine(owed, dt.time(12), tzinfo=dt.UTC)):
        logged = api.post(
            f"{base}/api/v1/intakes/", json={"taken_at": taken_at.isoformat(), "volume_ml": 1234}, timeout=10
        )
        assert logged.status_code == 201, logged.text

    # A reminder, delivered in-app by the worker.
    assert api.post(f"{base}/api/v1/reminders/test/", json={}, timeout=10).status_code == 202
    notes = _wait(lambda: api.get(f"{base}/api/v1/notifications/", timeout=10).json()["results"], 60, "the reminder")
    assert len(notes) == 1
    assert api.get(f"{base}/api/v1/reminders/deliveries/", timeout=10).json()["results"][0]["status"] == "sent"

    # The weekly report: beat's sweep gives the new user a schedule row; make it due now
    # (as if their week start had come) and the next sweep claims, builds and emails it.
    _, conninfo = production_database
    with psycopg.connect(autocommit=True, **conninfo) as conn:
        _wait(
            lambda: conn.execute("SELECT count(*) FROM reports_reportschedule").fetchone()[0] == 1,
            30,
            "beat's sweep to schedule the new user",
        )
        conn.execute("UPDATE reports_reportschedule SET next_report_at = now() - interval '1 minute'")
    report = _wait(
        lambda: [m for m in _mails(mail_dir) if "hydration week" in _subject(m)], 60, "the weekly report email"
    )
    assert len(report) == 1 and report[0]["To"] == "prod@example.com"
    assert "1234" in _text(report[0]) or "1,234" in _text(report[0])
    weekly = api.get(f"{base}/api/v1/reports/weekly/", timeout=10)
    assert weekly.status_code == 200 and weekly.json()["hydration"]["total_ml"] >= 1234
    assert requests.get(f"{base}/healthz", timeout=10).json() == {
        "status": "ok",
        "database": "ok",
        "broker": "ok",
    }
