"""API logging benchmark (design §11): POST a drink to /api/v1/intakes/ (services,
diary day, hydration factor, strict validation) against a bare authenticated DRF
ModelViewSet POST, in the same run: gunicorn with 2 sync workers on PostgreSQL, wrk
on loopback. Targets: throughput at least half, p50 latency within 2x of the bare
endpoint. Exits non-zero if the rows in SQL do not match the 2xx answers wrk saw.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tracker python -m bench api

Runs in its own database (DATABASE_URL's name + "_bench_api"). BENCH_API_SECONDS
(default 10) and BENCH_API_CONNECTIONS (default 4) set the wrk run.
"""

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
SECONDS = int(os.environ.get("BENCH_API_SECONDS", "10"))
CONNECTIONS = int(os.environ.get("BENCH_API_CONNECTIONS", "4"))


def _bench_database() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("bench.api needs DATABASE_URL=postgres://... (PostgreSQL)")
    parts = urlparse(url)
    name = parts.path.lstrip("/") + "_bench_api"
    import psycopg

    admin = urlunparse(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    return urlunparse(parts._replace(path="/" + name))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wrk(url: str, token: str, body: dict) -> dict:
    script = (
        'wrk.method = "POST"\n'
        f"wrk.body = {json.dumps(json.dumps(body))}\n"
        'wrk.headers["Content-Type"] = "application/json"\n'
        f'wrk.headers["Authorization"] = "Token {token}"\n'
    )
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
    out = subprocess.run(
        ["wrk", "-t", "2", "-c", str(CONNECTIONS), "-d", f"{SECONDS}s", "--latency", "-s", handle.name, url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    os.unlink(handle.name)
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    non_2xx = int(m.group(1)) if (m := re.search(r"Non-2xx or 3xx responses: (\d+)", out)) else 0
    p50 = re.search(r"50%\s+([\d.]+)(us|ms|s)", out)
    p50_ms = float(p50.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[p50.group(2)]
    return {"requests": requests, "ok": requests - non_2xx, "rps": requests / SECONDS, "p50_ms": p50_ms}


def main() -> int:
    if not shutil.which("wrk"):
        sys.exit("bench.api needs wrk (apt-get install wrk)")
    env = {
        **os.environ,
        "DATABASE_URL": _bench_database(),
        "DJANGO_SETTINGS_MODULE": "bench.api_settings",
        "LOG_LEVEL": "WARNING",
    }
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from accounts.models import User
    from accounts.services import api_token_create
    from tracker.logbook.models import Intake

    call_command("migrate", verbosity=0)
    User.objects.filter(email="bench-api@example.com").delete()
    user = User.objects.create_user("bench-api@example.com", "bench password 2026", timezone="Europe/Berlin")
    _token, raw = api_token_create(user=user, name="bench")

    port = _free_port()
    gunicorn = subprocess.Popen(
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
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        body = {"taken_at": timezone.now().isoformat(), "volume_ml": 250, "beverage": "tea"}
        base = f"http://127.0.0.1:{port}"
        _wrk(f"{base}/bench/bare-intakes/", raw, body)  # warm-up: connections, imports
        time.sleep(2)  # let requests in flight when wrk stopped finish before counting
        Intake.objects.filter(user=user).delete()
        bare = _wrk(f"{base}/bench/bare-intakes/", raw, body)
        time.sleep(2)
        bare_rows = Intake.objects.filter(user=user).count()
        ours = _wrk(f"{base}/api/v1/intakes/", raw, body)
        time.sleep(2)
        our_rows = Intake.objects.filter(user=user).count() - bare_rows
    finally:
        gunicorn.terminate()
        gunicorn.wait(timeout=30)

    print(f"bare DRF POST:   {bare['rps']:7.1f} req/s  p50 {bare['p50_ms']:6.1f} ms  ({bare['requests']} requests)")
    print(f"/api/v1/intakes: {ours['rps']:7.1f} req/s  p50 {ours['p50_ms']:6.1f} ms  ({ours['requests']} requests)")
    ratio_rps, ratio_p50 = ours["rps"] / bare["rps"], ours["p50_ms"] / bare["p50_ms"]
    print(f"throughput ratio {ratio_rps:.2f} (target >= 0.5), p50 ratio {ratio_p50:.2f} (target <= 2.0)")

    # Requests still in flight when wrk stops (at most one per connection) write rows
    # that wrk does not count.
    def matches(rows, run):
        return run["ok"] <= rows <= run["ok"] + CONNECTIONS

    if not (matches(bare_rows, bare) and matches(our_rows, ours)) or ours["ok"] != ours["requests"]:
        print(f"MISMATCH: rows bare {bare_rows} vs {bare['ok']} ok, ours {our_rows} vs {ours['ok']} ok")
        return 1
    print(f"rows in SQL match the 2xx answers: {bare_rows} + {our_rows}")
    return 0 if ratio_rps >= 0.5 and ratio_p50 <= 2.0 else 1


if __name__ == "__main__":
    sys.exit(main())
