"""Load benchmark (design §11, issue 14): the product's logging endpoints and Today page
against a floor, side by side in one run.

The floor is a separate minimal Django project (bench/_floor: DRF's TokenAuthentication,
only CommonMiddleware, CONN_MAX_AGE = 60, one table behind a ModelViewSet) — what a
developer would build instead. The in-project bare endpoint (bench/_bare, mounted by
bench/_settings.py inside the product's own middleware stack) is measured too, so the
cost of the stack itself shows. Both servers run gunicorn with 2 sync workers against
the same PostgreSQL server (one database each), driven by wrk on loopback.

Each scenario runs BENCH_LOAD_ROUNDS times (default 3), the order reversed every other
round (A B C, C B A, A B C) so drift on the machine falls on every scenario alike; the
figures are medians. Prints each target's figure with its ratio against the floor, and
each scenario's gunicorn worker CPU per request (read from /proc: on a busy machine it
moves far less than req/s and latency). Exits
non-zero on any error response or when the rows counted in SQL do not match the requests
wrk completed (BENCH_LOAD_STRICT=1: also when a target is missed).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tracker python -m bench load

Databases: DATABASE_URL's name + "_load" and + "_load_floor", recreated each run.
BENCH_LOAD_SECONDS (default 15) per measured run, BENCH_LOAD_WARMUP (default 2) per
scenario before the first round, BENCH_LOAD_CONNECTIONS (default 4), BENCH_LOAD_SCENARIOS
(default all; e.g. today,floor_get).
"""

import contextlib
import datetime as dt
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse, urlunparse

from bench._workers import children_cpu_seconds

ROOT = Path(__file__).resolve().parent.parent
SECONDS = int(os.environ.get("BENCH_LOAD_SECONDS", "15"))
WARMUP = int(os.environ.get("BENCH_LOAD_WARMUP", "2"))
ROUNDS = int(os.environ.get("BENCH_LOAD_ROUNDS", "3"))
CONNECTIONS = int(os.environ.get("BENCH_LOAD_CONNECTIONS", "4"))
STRICT = os.environ.get("BENCH_LOAD_STRICT", "") in ("1", "true", "yes")
# A subset while working on one target, e.g. BENCH_LOAD_SCENARIOS=today,floor_get (default: all).
ONLY = [name for name in os.environ.get("BENCH_LOAD_SCENARIOS", "").split(",") if name]
# Cramps enqueue their event reminder here; the queue is emptied at the end.
QUEUE = "bench_load"

LUA = """
wrk.method = os.getenv("BENCH_METHOD")
wrk.body = os.getenv("BENCH_BODY")
wrk.headers["Content-Type"] = "application/json"
local token = os.getenv("BENCH_TOKEN")
if token ~= "" then wrk.headers["Authorization"] = "Token " .. token end
local cookie = os.getenv("BENCH_COOKIE")
if cookie ~= "" then wrk.headers["Cookie"] = cookie end
-- A fresh Idempotency-Key on every request, as a phone retrying safely would send.
local run = os.getenv("BENCH_IDEMPOTENCY")
if run ~= "" then
  local threads = 0
  function setup(thread)
    threads = threads + 1
    thread:set("tid", threads)
  end
  local n = 0
  function request()
    n = n + 1
    wrk.headers["Idempotency-Key"] = run .. "-" .. tid .. "-" .. n
    return wrk.format()
  end
end
"""


@dataclass(frozen=True)
class Scenario:
    key: str
    label: str
    server: str  # "product" or "floor"
    path: str
    method: str
    body: str
    auth: str  # "token", "floor-token" or "session"
    table: str | None = None  # rows checked in SQL after each run
    idempotent: bool = False


@dataclass(frozen=True)
class Target:
    label: str
    scenario: str
    floor: str
    measure: str  # "rps": at least `ratio` x the floor; "p50": at most `ratio` x the floor
    ratio: float


def scenarios(at: str, floor_note_id: int) -> list[Scenario]:
    drink = f'{{"taken_at": "{at}", "volume_ml": 250}}'
    return [
        Scenario(
            "floor_post",
            "floor POST (separate project)",
            "floor",
            "/api/notes/",
            "POST",
            '{"text": "x"}',
            "floor-token",
            "floor_note",
        ),
        Scenario("drink", "POST a drink", "product", "/api/v1/intakes/", "POST", drink, "token", "logbook_intake"),
        Scenario(
            "cramp",
            "POST a cramp",
            "product",
            "/api/v1/episodes/",
            "POST",
            f'{{"started_at": "{at}", "duration_seconds": 60, "muscle": "calf", "severity": 4}}',
            "token",
            "logbook_episode",
        ),
        Scenario(
            "drink_idem",
            "POST a drink + Idempotency-Key",
            "product",
            "/api/v1/intakes/",
            "POST",
            drink,
            "token",
            "logbook_intake",
            idempotent=True,
        ),
        Scenario(
            "bare_post",
            "in-project bare POST",
            "product",
            "/api/bench/notes/",
            "POST",
            '{"text": "x"}',
            "token",
            "bench_bare_note",
        ),
        Scenario(
            "floor_get", "floor GET one object", "floor", f"/api/notes/{floor_note_id}/", "GET", "", "floor-token"
        ),
        Scenario("today", "Today page (session)", "product", "/", "GET", "", "session"),
    ]


TARGETS = [
    Target("POST a drink: throughput", "drink", "floor_post", "rps", 0.8),
    Target("POST a drink: p50", "drink", "floor_post", "p50", 1.25),
    Target("POST a cramp: throughput", "cramp", "floor_post", "rps", 0.7),
    Target("Today page: p50", "today", "floor_get", "p50", 2.0),
]
# Shown for comparison, no target: the worker CPU per request beside the timings (on a
# busy machine the steadier figure), the product's stack around a trivial view, and the
# design's first yardstick (§11: drink >= 0.5x, p50 <= 2x the in-project bare POST).
COMPARISONS = [
    ("drink vs floor POST", "drink", "floor_post"),
    ("cramp vs floor POST", "cramp", "floor_post"),
    ("Today page vs floor GET", "today", "floor_get"),
    ("in-project bare POST vs floor POST", "bare_post", "floor_post"),
    ("drink + Idempotency-Key vs floor POST", "drink_idem", "floor_post"),
    ("drink vs in-project bare POST", "drink", "bare_post"),
]


def _database_urls(suffix: str = "_load") -> tuple[str, str, str]:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("bench needs DATABASE_URL=postgres://... (PostgreSQL)")
    parts = urlparse(url)
    base = parts.path.lstrip("/")
    admin = urlunparse(parts._replace(path="/postgres"))
    product, floor = (urlunparse(parts._replace(path=f"/{base}{suffix}{end}")) for end in ("", "_floor"))
    return admin, product, floor


def _recreate(admin: str, url: str) -> None:
    import psycopg

    name = urlparse(url).path.lstrip("/")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _setup_product(env: dict) -> dict:
    """Migrate; a user with a realistic day for the Today page, a second one with a
    token for the POSTs (so they never add to the day the page shows)."""
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    data = _setup_product_data()
    return {**data, "cookie": session_cookie("today@example.com")}


def session_cookie(email: str) -> str:
    """The cookies a signed-in browser sends: its session, and the CSRF cookie the first
    page set (without it, every page would draw and set a new CSRF secret, which a
    browser's second page never does)."""
    from django.test import Client

    from accounts.models import User

    client = Client()
    client.force_login(User.objects.get(email=email))
    assert client.get("/").status_code == 200
    return "; ".join(f"{name}={client.cookies[name].value}" for name in ("sessionid", "csrftoken"))


def _setup_product_data() -> dict:
    from accounts.models import User
    from accounts.services import api_token_create

    reader = User.objects.create_user("today@example.com", "bench password 1234", timezone="Europe/Berlin")
    _realistic_day(reader)
    writer = User.objects.create_user("load@example.com", "bench password 1234", timezone="Europe/Berlin")
    _token, raw = api_token_create(user=writer, name="bench")
    return {"user_id": writer.pk, "token": raw}


def _realistic_day(user) -> None:
    """A day as a user logs it: a dozen drinks, a cramp and the check-in."""
    from django.utils import timezone

    from tracker.logbook.selectors import today_of
    from tracker.logbook.services import checkin_save, episode_log, intake_log

    now = timezone.now()
    for minutes in range(12):
        intake_log(user=user, taken_at=now - dt.timedelta(minutes=5 * minutes + 1), volume_ml=250, beverage="water")
    episode_log(user=user, started_at=now - dt.timedelta(minutes=30), duration_seconds=60, muscle="calf", severity=4)
    checkin_save(user=user, day=today_of(user), sitting_hours=6, sleep_hours=7, fatigue=2, stress=2)


def _setup_floor(env: dict) -> dict:
    out = subprocess.run(
        [sys.executable, "-m", "bench._floor.prepare"],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def _count(url: str, table: str, user_id: int) -> int:
    import psycopg

    with psycopg.connect(url) as conn:
        return conn.execute(f"SELECT count(*) FROM {table} WHERE user_id = %s", [user_id]).fetchone()[0]  # noqa: S608


def _wrk(url: str, script: Path, env: dict, seconds: int) -> dict:
    out = subprocess.run(
        ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{seconds}s", "--timeout", "10s", "--latency", "-s", str(script), url],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=seconds + 60,
        check=True,
    ).stdout
    return parse_wrk(out)


def parse_wrk(out: str) -> dict:
    def latency_ms(label: str) -> float:
        match = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = int(non_2xx.group(1)) if non_2xx else 0
    errors += sum(int(g) for g in socket_errors.groups()) if socket_errors else 0
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50": latency_ms("50"),
        "p99": latency_ms("99"),
        "requests": int(re.search(r"(\d+) requests in", out).group(1)),
        "errors": errors,
    }


def rows_match(requests: int, written: int, connections: int = CONNECTIONS) -> bool:
    # A request in flight when wrk stops may still complete on the server, uncounted by wrk.
    return requests <= written <= requests + connections


def median_of(runs: list[dict]) -> dict:
    return {name: statistics.median(r[name] for r in runs) for name in ("rps", "p50", "p99", "cpu_ms")}


def target_met(target: Target, figure: float, floor: float) -> tuple[float, bool]:
    ratio = figure / floor if floor else float("inf")
    return ratio, ratio >= target.ratio if target.measure == "rps" else ratio <= target.ratio


def _start(module: str, env: dict, config: str | None = None) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    server = subprocess.Popen(
        [
            *(sys.executable, "-m", "gunicorn", module, "-w", "2", "-b", f"127.0.0.1:{port}", "--log-level", "error"),
            *(("-c", config) if config else ()),
        ],
        cwd=ROOT,
        env={**os.environ, **env},
    )
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                server.terminate()
                raise
            time.sleep(0.2)
    return server, f"http://127.0.0.1:{port}"


def _purge_queue() -> None:
    with contextlib.suppress(Exception):
        from tracker.celery import app

        with app.connection_for_write() as conn:
            conn.default_channel.queue_purge(QUEUE)


def main() -> int:
    if shutil.which("wrk") is None:
        sys.exit("bench.load needs wrk (apt-get install -y wrk)")
    admin, product_url, floor_url = _database_urls()
    _recreate(admin, product_url)
    _recreate(admin, floor_url)
    var_dir = tempfile.mkdtemp(prefix="bench-load-")
    # PYTHONWARNINGS: WhiteNoise warns once per worker that no collectstatic ran; not a figure.
    common = {"VAR_DIR": var_dir, "LOG_LEVEL": "ERROR", "DEBUG": "False", "PYTHONWARNINGS": "ignore::UserWarning"}
    product_env = {**common, "DATABASE_URL": product_url, "DJANGO_SETTINGS_MODULE": "bench._settings"}
    floor_env = {**common, "DATABASE_URL": floor_url, "DJANGO_SETTINGS_MODULE": "bench._floor.settings"}
    floor_data = _setup_floor(floor_env)
    data = _setup_product(product_env)
    servers = []
    runs: dict[str, list[dict]] = {}
    failed = False
    try:
        product, product_base = _start("tracker.wsgi", product_env)
        servers.append(product)
        floor, floor_base = _start("bench._floor.wsgi", floor_env)
        servers.append(floor)
        for _ in range(20):  # imports and the first connection of both workers
            with contextlib.suppress(OSError):
                urllib.request.urlopen(f"{product_base}/login/", timeout=30).read()  # noqa: S310 (http on loopback)
        script = Path(var_dir) / "request.lua"
        script.write_text(LUA)
        # A little in the past, so every request of the run passes the "not in the future" rule.
        at = (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)).isoformat()
        plan = [s for s in scenarios(at, floor_data["note_id"]) if not ONLY or s.key in ONLY]
        auth = {
            "token": {"BENCH_TOKEN": data["token"], "BENCH_COOKIE": ""},
            "floor-token": {"BENCH_TOKEN": floor_data["token"], "BENCH_COOKIE": ""},
            "session": {"BENCH_TOKEN": "", "BENCH_COOKIE": data["cookie"]},
        }
        bases = {"product": product_base, "floor": floor_base}
        masters = {"product": product, "floor": floor}
        databases = {"product": (product_url, data["user_id"]), "floor": (floor_url, floor_data["user_id"])}

        def run(s: Scenario, seconds: int) -> dict:
            env = {"BENCH_METHOD": s.method, "BENCH_BODY": s.body, **auth[s.auth]}
            env["BENCH_IDEMPOTENCY"] = uuid.uuid4().hex[:12] if s.idempotent else ""
            url, user_id = databases[s.server]
            before = _count(url, s.table, user_id) if s.table else 0
            master = masters[s.server].pid
            cpu_before = children_cpu_seconds(master)
            result = _wrk(bases[s.server] + s.path, script, env, seconds)
            # Requests still in flight when wrk stops are few (<= connections) against thousands.
            result["cpu_ms"] = (children_cpu_seconds(master) - cpu_before) * 1000 / max(result["requests"], 1)
            if s.table:
                result["rows"] = _count(url, s.table, user_id) - before
                if not rows_match(result["requests"], result["rows"]):
                    print(f"MISMATCH {s.label}: wrk completed {result['requests']}, rows written {result['rows']}")
                    result["mismatch"] = True
            return result

        if WARMUP:
            for s in plan:
                failed |= bool(run(s, WARMUP).get("mismatch"))
        for round_no in range(ROUNDS):
            for s in plan if round_no % 2 == 0 else plan[::-1]:
                result = run(s, SECONDS)
                runs.setdefault(s.key, []).append(result)
                if result["errors"]:
                    print(f"ERRORS {s.label}: {result['errors']}")
                failed |= bool(result["errors"] or result.get("mismatch"))
            print(f"round {round_no + 1} of {ROUNDS} done", flush=True)
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(timeout=30)
        _purge_queue()
        shutil.rmtree(var_dir, ignore_errors=True)

    figures = {key: median_of(results) for key, results in runs.items()}
    labels = {s.key: s.label for s in plan}
    print(
        f"gunicorn 2 sync workers each, PostgreSQL, wrk -t2 -c{CONNECTIONS} -d{SECONDS}s on loopback; "
        f"median of {ROUNDS} alternating rounds; cpu ms = the server's worker CPU per request"
    )
    print(
        f"{'scenario':32} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'cpu ms':>7} {'requests':>9} {'errors':>7}"
        "  per round req/s"
    )
    for key, results in runs.items():
        f = figures[key]
        per_round = " ".join(f"{r['rps']:.0f}" for r in results)
        print(
            f"{labels[key]:32} {f['rps']:8.1f} {f['p50']:8.2f} {f['p99']:8.2f} {f['cpu_ms']:7.2f} "
            f"{sum(r['requests'] for r in results):9d} {sum(r['errors'] for r in results):7d}  {per_round}"
        )
    missed = []
    print("Targets (against the floor project, same run):")
    for t in TARGETS:
        if t.scenario not in figures or t.floor not in figures:
            continue
        figure, floor_figure = figures[t.scenario][t.measure], figures[t.floor][t.measure]
        ratio, ok = target_met(t, figure, floor_figure)
        unit = "req/s" if t.measure == "rps" else "ms"
        bound = f"{'>=' if t.measure == 'rps' else '<='} {t.ratio}x"
        print(
            f"  {t.label:28} {figure:8.1f} {unit:5} vs {floor_figure:8.1f} = {ratio:.2f}x "
            f"(target {bound}) {'met' if ok else 'MISSED'}"
        )
        if not ok:
            missed.append(t.label)
    print("For comparison:")
    for label, key, against in COMPARISONS:
        if key not in figures or against not in figures:
            continue
        a, b = figures[key], figures[against]
        print(
            f"  {label:38} {a['rps'] / b['rps']:.2f}x throughput, {a['p50'] / b['p50']:.2f}x p50, "
            f"{a['cpu_ms'] / b['cpu_ms']:.2f}x worker CPU per request"
        )
    if failed:
        print("FAILED: an error response or a row count that does not match the requests (see above)")
    if missed and STRICT:
        print("FAILED (BENCH_LOAD_STRICT): missed " + ", ".join(missed))
    return 1 if failed or (missed and STRICT) else 0


if __name__ == "__main__":
    sys.exit(main())
