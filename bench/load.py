"""Load benchmark (design §11): gunicorn with two sync workers and PostgreSQL, driven by
wrk from a second process on loopback. Logging a drink (POST intakes), a cramp (POST
episodes) and opening the Today page, each beside a bare authenticated DRF
ModelViewSet POST on a trivial model (bench/_bare, mounted only by bench/_settings.py)
measured in the same run. Prints throughput and p50/p99 latency; exits non-zero on any
error or when the rows in SQL do not match the requests wrk completed.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tracker python -m bench load

Runs in its own database (DATABASE_URL's name + "_load", recreated each run).
BENCH_LOAD_SECONDS (default 15) and BENCH_LOAD_CONNECTIONS (default 4) set the run.
"""

import contextlib
import datetime as dt
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
SECONDS = int(os.environ.get("BENCH_LOAD_SECONDS", "15"))
CONNECTIONS = int(os.environ.get("BENCH_LOAD_CONNECTIONS", "4"))

LUA = """
wrk.method = os.getenv("BENCH_METHOD")
wrk.body = os.getenv("BENCH_BODY")
wrk.headers["Content-Type"] = "application/json"
local token = os.getenv("BENCH_TOKEN")
if token ~= "" then wrk.headers["Authorization"] = "Token " .. token end
local cookie = os.getenv("BENCH_COOKIE")
if cookie ~= "" then wrk.headers["Cookie"] = cookie end
"""


def _bench_database() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("bench.load needs DATABASE_URL=postgres://... (PostgreSQL)")
    parts = urlparse(url)
    name = parts.path.lstrip("/") + "_load"
    import psycopg

    admin = urlunparse(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return urlunparse(parts._replace(path="/" + name))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _setup(env: dict) -> dict:
    """Migrate, create the user, a token and a session; return what wrk sends."""
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    from accounts.models import User
    from accounts.services import api_token_create

    call_command("migrate", verbosity=0)
    user = User.objects.create_user("load@example.com", "bench password 1234", timezone="Europe/Berlin")
    _token, raw = api_token_create(user=user, name="bench")
    _realistic_day(user)
    client = Client()
    client.force_login(user)
    return {"user_id": user.pk, "token": raw, "cookie": f"sessionid={client.cookies['sessionid'].value}"}


def _realistic_day(user) -> None:
    """A day as a user logs it: a dozen drinks and a cramp, so the Today page is measured
    on what people see, not on the thousands of rows the POST scenarios leave."""
    from django.utils import timezone

    from tracker.logbook.services import episode_log, intake_log

    now = timezone.now()
    for minutes in range(12):
        intake_log(user=user, taken_at=now - dt.timedelta(minutes=5 * minutes + 1), volume_ml=250, beverage="water")
    episode_log(user=user, started_at=now - dt.timedelta(minutes=30), duration_seconds=60, muscle="calf", severity=4)


def _count(model_label: str, user_id: int) -> int:
    from django.apps import apps

    return apps.get_model(model_label).objects.filter(user_id=user_id).count()


def _wrk(url: str, script: Path, env: dict) -> dict:
    out = subprocess.run(
        ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{SECONDS}s", "--timeout", "10s", "--latency", "-s", str(script), url],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=SECONDS + 60,
        check=True,
    ).stdout

    def latency_ms(label: str) -> float:
        match = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    requests = int(re.search(r"(\d+) requests in", out).group(1))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = int(non_2xx.group(1)) if non_2xx else 0
    errors += sum(int(g) for g in socket_errors.groups()) if socket_errors else 0
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50": latency_ms("50"),
        "p99": latency_ms("99"),
        "requests": requests,
        "errors": errors,
    }


def main() -> int:
    if shutil.which("wrk") is None:
        sys.exit("bench.load needs wrk (apt-get install -y wrk)")
    var_dir = tempfile.mkdtemp(prefix="bench-load-")
    env = {
        "DATABASE_URL": _bench_database(),
        "DJANGO_SETTINGS_MODULE": "bench._settings",
        "VAR_DIR": var_dir,
        "LOG_LEVEL": "ERROR",
        "DEBUG": "False",
    }
    data = _setup(env)
    port = _free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "tracker.wsgi",
            "-w",
            "2",
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "error",
        ],
        cwd=ROOT,
        env={**os.environ, **env},
    )
    results = {}
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        # Warm both workers (imports, first connection) before anything is measured.
        for _ in range(20):
            with contextlib.suppress(OSError):
                urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=30).read()
        script = Path(var_dir) / "request.lua"
        script.write_text(LUA)
        base = f"http://127.0.0.1:{port}"
        # A little in the past, so every request of the run passes the "not in the future" rule.
        at = (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)).isoformat()
        auth = {"BENCH_TOKEN": data["token"], "BENCH_COOKIE": ""}
        scenarios = [
            # First, on a realistic day (see _setup), before the POSTs below add thousands of entries to it.
            ("GET Today page", "/", "GET", "", {"BENCH_TOKEN": "", "BENCH_COOKIE": data["cookie"]}, None),
            ("bare POST (baseline)", "/api/bench/notes/", "POST", '{"text": "x"}', auth, "bench_bare.Note"),
            (
                "POST intakes (drink)",
                "/api/v1/intakes/",
                "POST",
                f'{{"taken_at": "{at}", "volume_ml": 250}}',
                auth,
                "logbook.Intake",
            ),
            (
                "POST episodes (cramp)",
                "/api/v1/episodes/",
                "POST",
                f'{{"started_at": "{at}", "duration_seconds": 60, "muscle": "calf", "severity": 4}}',
                auth,
                "logbook.Episode",
            ),
            ("bare POST (again)", "/api/bench/notes/", "POST", '{"text": "y"}', auth, "bench_bare.Note"),
        ]
        failed = False
        for label, path, method, body, extra, model in scenarios:
            before = _count(model, data["user_id"]) if model else 0
            result = _wrk(base + path, script, {"BENCH_METHOD": method, "BENCH_BODY": body, **extra})
            results[label] = result
            if model:
                # Requests in flight when wrk stops may complete on the server uncounted.
                written = _count(model, data["user_id"]) - before
                ok = result["requests"] <= written <= result["requests"] + CONNECTIONS
                result["rows"] = written
                if not ok:
                    print(f"MISMATCH {label}: wrk completed {result['requests']}, rows written {written}")
                    failed = True
            if result["errors"]:
                print(f"ERRORS {label}: {result['errors']}")
                failed = True
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(var_dir, ignore_errors=True)

    print(f"gunicorn 2 sync workers, PostgreSQL, wrk -t2 -c{CONNECTIONS} -d{SECONDS}s on loopback")
    print(f"{'scenario':24} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'requests':>9} {'errors':>7}")
    for label, r in results.items():
        print(f"{label:24} {r['rps']:8.1f} {r['p50']:8.2f} {r['p99']:8.2f} {r['requests']:9d} {r['errors']:7d}")
    bare = results["bare POST (baseline)"]
    for label in ("POST intakes (drink)", "POST episodes (cramp)"):
        r = results[label]
        if not bare["rps"] or not bare["p50"]:
            continue
        within = r["rps"] >= bare["rps"] / 2 and r["p50"] <= bare["p50"] * 2
        print(
            f"{label}: {r['rps'] / bare['rps']:.2f}x bare throughput, {r['p50'] / bare['p50']:.2f}x bare p50 "
            f"-> {'within' if within else 'OUTSIDE'} the 2x target"
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
