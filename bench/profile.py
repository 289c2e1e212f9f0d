"""Where a request's time goes (issue 14): SQL queries per request for each load
scenario, then cProfile on a gunicorn worker under wrk for a drink POST and a cramp
POST, broken down into the pieces of the hot path (authentication, throttling, the
strict serializer checks, the diary day, the stale mark and the event reminder that
ride in the entry's INSERT, idempotency, rendering, the middleware around the view).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tracker python -m bench profile

Runs in its own database (DATABASE_URL's name + "_profile", recreated each run).
BENCH_PROFILE_SECONDS (default 10) of wrk per profiled scenario; BENCH_PROFILE_SQL=1
prints each request's SQL; exits non-zero when a write's query count differs from
EXPECTED_QUERIES; BENCH_PROFILE_TOP (default 25) functions by own time;
BENCH_PROFILE_SCENARIOS (default drink,cramp,today; the keys of bench.load.scenarios,
and bare_get); BENCH_PROFILE_CLOCK=cpu (default: the worker's CPU time, robust on a busy machine, where
wall time mostly measures the wait for a core and for PostgreSQL) or wall. cProfile
slows Python code (not the database), so the shares of the pure-Python parts are
overstated; the query counts are exact.
"""

import datetime as dt
import json
import os
import pstats
import shutil
import sys
import tempfile
import time
import uuid
from pathlib import Path

from bench import load

ROOT = Path(__file__).resolve().parent.parent
SECONDS = int(os.environ.get("BENCH_PROFILE_SECONDS", "10"))
TOP = int(os.environ.get("BENCH_PROFILE_TOP", "25"))
SHOW_SQL = os.environ.get("BENCH_PROFILE_SQL", "") in ("1", "true", "yes")
CLOCK = os.environ.get("BENCH_PROFILE_CLOCK", "cpu")
PROFILED = os.environ.get("BENCH_PROFILE_SCENARIOS", "drink,cramp,today").split(",")

# A gunicorn config: each worker profiles only the requests it handles (not its idle
# wait), once the "go" file exists (after a warm-up: the first request of a worker
# imports the URLconf and with it most of the project), and writes its stats when it stops.
GUNICORN_CONFIG = """
import cProfile, json, os, time

OUT = os.environ["BENCH_PROFILE_DIR"]
GO = os.path.join(OUT, "go")


def post_fork(server, worker):
    # CPU time by default: on a busy machine wall time mostly measures waiting for a core.
    clock = time.process_time if os.environ.get("BENCH_PROFILE_CLOCK", "cpu") == "cpu" else time.perf_counter
    worker.bench_profile = cProfile.Profile(clock)
    worker.bench_requests = 0
    worker.bench_seconds = 0.0


def pre_request(worker, req):
    worker.bench_on = os.path.exists(GO)
    if worker.bench_on:
        worker.bench_started = time.perf_counter()
        worker.bench_profile.enable()


def post_request(worker, req, environ, resp):
    if not worker.bench_on:
        return
    worker.bench_profile.disable()
    worker.bench_requests += 1
    worker.bench_seconds += time.perf_counter() - worker.bench_started


def worker_exit(server, worker):
    worker.bench_profile.dump_stats(os.path.join(OUT, f"worker-{worker.pid}.prof"))
    with open(os.path.join(OUT, f"worker-{worker.pid}.json"), "w") as f:
        json.dump({"requests": worker.bench_requests, "seconds": worker.bench_seconds}, f)
"""


def _setup(env: dict) -> dict:
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    data = load._setup_product_data()
    from bench._bare.models import Note

    data["note_id"] = Note.objects.create(user_id=data["user_id"], text="one object").pk
    data["cookie"] = load.session_cookie("today@example.com")
    return data


def _query_counts(data: dict, at: str) -> list[tuple[str, int, int]]:
    """Each scenario's request once through Django's test client (the whole middleware
    stack) with its SQL captured; a second time, as the load test repeats it."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    token = {"HTTP_AUTHORIZATION": f"Token {data['token']}"}
    drink = {"taken_at": at, "volume_ml": 250}
    cramp = {"started_at": at, "duration_seconds": 60, "muscle": "calf", "severity": 4}
    requests = [
        ("in-project bare POST", "post", "/api/bench/notes/", {"text": "x"}, token),
        ("in-project bare GET one object", "get", f"/api/bench/notes/{data['note_id']}/", None, token),
        ("POST a drink", "post", "/api/v1/intakes/", drink, token),
        ("POST a cramp", "post", "/api/v1/episodes/", cramp, token),
        ("POST a drink + Idempotency-Key", "post", "/api/v1/intakes/", drink, {**token, "idempotent": True}),
        ("Today page (session)", "get", "/", None, {"session": True}),
    ]
    session_client = Client()
    from accounts.models import User

    session_client.force_login(User.objects.get(email="today@example.com"))
    counts = []
    for n, (label, method, path, body, extra) in enumerate(requests):
        extra = dict(extra)
        client = session_client if extra.pop("session", False) else Client()
        idempotent = extra.pop("idempotent", False)
        per_try = []
        for attempt in range(2):
            headers = {"HTTP_IDEMPOTENCY_KEY": f"profile-{n}-{attempt}"} if idempotent else {}
            with CaptureQueriesContext(connection) as ctx:
                if method == "post":
                    response = client.post(path, json.dumps(body), content_type="application/json", **extra, **headers)
                else:
                    response = client.get(path, **extra)
            assert response.status_code in (200, 201), (label, response.status_code, response.content[:300])
            per_try.append(ctx.captured_queries)
        counts.append((label, len(per_try[0]), len(per_try[1])))
        if SHOW_SQL:
            print(f"-- {label}: {len(per_try[1])} queries")
            for q in per_try[1]:
                print(f"   {q['sql'][:200]}")
    return counts


# Queries of a repeat request, as the README's table gives them (and tests/test_hot_path.py
# asserts): the run fails when one differs. The Today page is left out: it reads yesterday's
# check-in too in the morning.
EXPECTED_QUERIES = {
    "in-project bare POST": 2,
    "in-project bare GET one object": 2,
    "POST a drink": 2,
    "POST a cramp": 2,
    "POST a drink + Idempotency-Key": 7,
}


def _hot_path() -> list[tuple[str, object, object | None]]:
    """(label, function, function whose time is subtracted): what the breakdown reports.
    Named by dotted path, so a piece that moved to another module shows as "not found"
    rather than stopping the profile."""
    pieces = [
        ("Django handler (all of the request in Django)", "django.core.handlers.wsgi.WSGIHandler.__call__", None),
        (
            "  outside the view: middleware, URL resolving",
            "django.core.handlers.wsgi.WSGIHandler.__call__",
            "rest_framework.views.APIView.dispatch",
        ),
        ("  the view (APIView.dispatch)", "rest_framework.views.APIView.dispatch", None),
        ("    authentication (token lookup)", "rest_framework.request.Request._authenticate", None),
        ("    permission checks", "rest_framework.views.APIView.check_permissions", None),
        ("    throttling (user + anon rates)", "rest_framework.views.APIView.check_throttles", None),
        (
            "    idempotency (outside the create)",
            "tracker.api.IdempotentCreateMixin.create",
            "rest_framework.mixins.CreateModelMixin.create",
        ),
        ("    validation (is_valid, all of it)", "rest_framework.serializers.Serializer.is_valid", None),
        (
            "      strict checks (own part)",
            "tracker.api.StrictSerializerMixin.to_internal_value",
            "rest_framework.serializers.Serializer.to_internal_value",
        ),
        ("    the service (*_log)", "tracker.logbook.services._log", None),
        ("      diary-day computation", "tracker.diary.diary_day", None),
        ("      model full_clean", "django.db.models.Model.full_clean", None),
        ("      stale mark, as a statement (reports)", "tracker.reports.receivers.on_entry_logged", None),
        ("      event reminder: its statements (reminders)", "reminders.events.on_entry_logged", None),
        ("      the INSERT, with the statements above", "tracker.logbook.services._insert", None),
        ("      COMMIT + on_commit hooks (if a transaction)", "django.db.transaction.Atomic.__exit__", None),
        ("        publish to the broker (on_commit)", "reminders.dispatch.deliveries_enqueue", None),
        ("    serializer output (.data)", "rest_framework.serializers.Serializer.data", None),
        ("  response rendering (JSON)", "rest_framework.response.Response.rendered_content", None),
        ("  template rendering (pages)", "django.template.Template.render", None),
    ]
    return [(label, _resolve(path), _resolve(minus) if minus else None) for label, path, minus in pieces]


def _resolve(path: str):
    """The function at a dotted path (a property's getter for a property), or None."""
    import importlib

    parts = path.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        try:
            target = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        try:
            for name in parts[cut:]:
                target = getattr(target, name)
        except AttributeError:
            return None
        return target.fget if isinstance(target, property) else target
    return None


def _key(function) -> tuple[str, int, str]:
    code = function.__code__
    return code.co_filename, code.co_firstlineno, code.co_name


def _profile_scenario(scenario: load.Scenario, data: dict, env: dict, var_dir: str) -> None:
    out = Path(tempfile.mkdtemp(prefix="prof-", dir=var_dir))
    config = Path(var_dir) / "gunicorn_profile.py"
    config.write_text(GUNICORN_CONFIG)
    module = "bench._floor.wsgi" if scenario.server == "floor" else "tracker.wsgi"
    server, base = load._start(module, {**env, "BENCH_PROFILE_DIR": str(out)}, config=str(config))
    try:
        script = Path(var_dir) / "request.lua"
        script.write_text(load.LUA)
        wrk_env = {"BENCH_METHOD": scenario.method, "BENCH_BODY": scenario.body}
        wrk_env["BENCH_IDEMPOTENCY"] = uuid.uuid4().hex[:12] if scenario.idempotent else ""
        if scenario.auth == "session":
            wrk_env |= {"BENCH_TOKEN": "", "BENCH_COOKIE": data["cookie"]}
        else:
            wrk_env |= {
                "BENCH_TOKEN": data["floor_token" if scenario.server == "floor" else "token"],
                "BENCH_COOKIE": "",
            }
        # Warm-up, not profiled: until both workers have imported everything and answer quickly.
        deadline = time.monotonic() + 120
        while load._wrk(base + scenario.path, script, wrk_env, 2)["requests"] < 40 and time.monotonic() < deadline:
            pass
        (out / "go").touch()
        result = load._wrk(base + scenario.path, script, wrk_env, SECONDS)
    finally:
        server.terminate()
        server.wait(timeout=30)
    workers = [json.loads(p.read_text()) for p in out.glob("*.json")]
    served = sum(w["requests"] for w in workers)
    seconds = sum(w["seconds"] for w in workers)
    stats = pstats.Stats(*[str(p) for p in out.glob("*.prof")])
    per_request = 1000 / max(served, 1)
    print(
        f"\n{scenario.label}: {served} requests under cProfile ({result['rps']:.0f} req/s, "
        f"{seconds * 1000 / max(served, 1):.2f} ms wall per request in the worker; the breakdown is {CLOCK} time)"
    )
    print(f"  {'piece':50} {'ms/request':>10} {'share':>6}")
    total = stats.stats.get(_key(_hot_path()[0][1]), (0, 0, 0, 0))[3]
    for label, function, minus in _hot_path():
        if function is None:
            print(f"  {label:50} {'not found':>10}")  # moved or renamed: update _hot_path
            continue
        if _key(function) not in stats.stats:
            print(f"  {label:50} {'-':>10}")  # not on this request's path
            continue
        ct = stats.stats[_key(function)][3]
        if minus is not None:
            ct -= stats.stats.get(_key(minus), (0, 0, 0, 0))[3]
        print(f"  {label:50} {ct * per_request:10.3f} {ct / total if total else 0:6.1%}")
    print("  middleware methods, cumulative (a __call__ includes everything after it):")
    rows = [(key, value) for key, value in stats.stats.items() if "middleware" in key[0]]
    for (filename, line, name), (_cc, _calls, _tt, ct, _callers) in sorted(rows, key=lambda r: -r[1][3])[:20]:
        where = filename.replace(str(ROOT) + "/", "").split("site-packages/")[-1]
        print(f"    {ct * per_request:7.3f} cum  {where}:{line} {name}")
    print(f"  top {TOP} functions by own time (ms per request):")
    rows = sorted(stats.stats.items(), key=lambda item: item[1][2], reverse=True)[:TOP]
    for (filename, line, name), (_cc, calls, tt, ct, _callers) in rows:
        where = filename.replace(str(ROOT) + "/", "").split("site-packages/")[-1]
        print(
            f"    {tt * per_request:7.3f} own {ct * per_request:7.3f} cum {calls / max(served, 1):6.1f} calls  "
            f"{where}:{line} {name}"
        )


def main() -> int:
    if shutil.which("wrk") is None:
        sys.exit("bench.profile needs wrk (apt-get install -y wrk)")
    admin, product_url, floor_url = load._database_urls(suffix="_profile")
    load._recreate(admin, product_url)
    load._recreate(admin, floor_url)
    var_dir = tempfile.mkdtemp(prefix="bench-profile-")
    env = {
        "VAR_DIR": var_dir,
        "LOG_LEVEL": "ERROR",
        "DEBUG": "False",
        "PYTHONWARNINGS": "ignore::UserWarning",
        "DATABASE_URL": product_url,
        "DJANGO_SETTINGS_MODULE": "bench._settings",
    }
    try:
        floor_env = {**env, "DATABASE_URL": floor_url, "DJANGO_SETTINGS_MODULE": "bench._floor.settings"}
        floor = load._setup_floor(floor_env)
        data = _setup(env)
        data["floor_token"] = floor["token"]
        at = (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)).isoformat()
        print("SQL queries per request (first request, then a repeat):")
        mismatched = []
        for label, first, repeat in _query_counts(data, at):
            expected = EXPECTED_QUERIES.get(label, repeat)
            print(f"  {label:36} {first:3d} {repeat:3d}{'' if repeat == expected else f'  expected {expected}'}")
            if repeat != expected:
                mismatched.append(label)
        plan = {s.key: s for s in load.scenarios(at, floor_note_id=floor["note_id"])}
        plan["bare_get"] = load.Scenario(
            "bare_get",
            "in-project bare GET one object",
            "product",
            f"/api/bench/notes/{data['note_id']}/",
            "GET",
            "",
            "token",
        )
        for key in PROFILED:
            _profile_scenario(plan[key], data, floor_env if plan[key].server == "floor" else env, var_dir)
            time.sleep(0.5)
    finally:
        load._purge_queue()
        shutil.rmtree(var_dir, ignore_errors=True)
    if mismatched:
        print(f"FAILED: query counts differ from the expected ones: {', '.join(mismatched)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
