"""Reminder fan-out benchmark (design §11): N plans due in the same minute on
PostgreSQL + Redis. Times (1) the dispatcher claiming the plans, recording their
deliveries and enqueueing the chunks, and (2) the time until two worker processes
have delivered every reminder in-app. Checks the counts in SQL; exits non-zero on a
mismatch (a duplicate, a lost reminder, a plan not advanced).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tracker \\
    CELERY_BROKER_URL=redis://127.0.0.1:6379/13 python -m bench.fanout [--plans 100000]

Uses its own database (DATABASE_URL's name + "_bench_fanout"), created and dropped
here; on the broker it only empties the queue it uses.
"""

import argparse
import datetime as dt
import os
import subprocess
import sys
import time
from urllib.parse import urlparse, urlunparse

from bench._workers import start_workers, stop

QUEUE = "bench_fanout"
ZONES = ["Europe/Berlin", "America/New_York", "Asia/Kolkata", "UTC"]


def _database_urls() -> tuple[str, str, str]:
    url = os.environ.get("DATABASE_URL", "")
    broker = os.environ.get("CELERY_BROKER_URL", "")
    if not url.startswith("postgres") or not broker.startswith("redis"):
        sys.exit("bench.fanout needs DATABASE_URL=postgres://... and CELERY_BROKER_URL=redis://...")
    parts = urlparse(url)
    name = parts.path.lstrip("/") + "_bench_fanout"
    admin = urlunparse(parts._replace(path="/postgres"))
    return admin, name, urlunparse(parts._replace(path="/" + name))


def _recreate(admin: str, name: str, *, create: bool) -> None:
    import psycopg

    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if create:
            conn.execute(f'CREATE DATABASE "{name}"')


def _seed(n: int, slot: dt.datetime) -> None:
    from accounts.models import User
    from reminders.models import Plan

    batch = 5000
    for start in range(0, n, batch):
        users = User.objects.bulk_create(
            [
                User(email=f"fan{i}@bench.invalid", password="!", timezone=ZONES[i % len(ZONES)])
                for i in range(start, min(n, start + batch))
            ]
        )
        Plan.objects.bulk_create(
            [
                # A window around the clock, so the slot is inside it in every zone.
                Plan(
                    user=u,
                    window_start=dt.time(0),
                    window_end=dt.time(0),
                    interval_minutes=60,
                    channels=["in_app"],
                    next_due_at=slot,
                )
                for u in users
            ]
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.fanout")
    parser.add_argument("--plans", type=int, default=int(os.environ.get("BENCH_FANOUT_PLANS", "100000")))
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds to wait for delivery")
    args = parser.parse_args(argv)
    n = args.plans

    admin, name, url = _database_urls()
    _recreate(admin, name, create=True)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection, connections

    from reminders import dispatch
    from tracker.celery import app

    # Route delivery tasks to a queue of our own, so the bench touches nothing else on the broker.
    app.conf.task_routes = {"reminders.tasks.deliver": {"queue": QUEUE}}
    workers: list[subprocess.Popen] = []
    ok = False
    try:
        call_command("migrate", verbosity=0)
        with app.connection_for_write() as conn:
            conn.default_channel.queue_declare(QUEUE, durable=True, auto_delete=False)
            conn.default_channel.queue_purge(QUEUE)
        now = dt.datetime.now(dt.UTC)
        slot = now.replace(second=0, microsecond=0)
        t = time.perf_counter()
        _seed(n, slot)
        print(f"seeded {n:,} users and plans due at {slot:%H:%M} UTC in {time.perf_counter() - t:.1f} s", flush=True)
        with connection.cursor() as cur:
            # Planner statistics, as a live table has them (a fresh bulk load has none).
            cur.execute("ANALYZE accounts_user, reminders_plan, reminders_delivery, reminders_notification")

        env = {**os.environ, "DATABASE_URL": url}
        workers = start_workers(env, queue=QUEUE, name="fanout")
        time.sleep(3)  # let the workers connect before the clock starts

        t0 = time.perf_counter()
        result = dispatch.reminders_dispatch(now=max(dt.datetime.now(dt.UTC), slot))
        t1 = time.perf_counter()
        print(
            f"dispatch: claimed {result.plans_claimed:,} plans, recorded {result.deliveries_created:,} deliveries, "
            f"enqueued {result.enqueued:,} in {t1 - t0:.2f} s (target < 20 s)",
            flush=True,
        )

        def sent() -> int:
            with connection.cursor() as cur:
                cur.execute("SELECT count(*) FROM reminders_delivery WHERE status = 'sent'")
                return cur.fetchone()[0]

        deadline = time.monotonic() + args.timeout
        done = sent()
        while done < n and time.monotonic() < deadline and all(w.poll() is None for w in workers):
            time.sleep(0.5)
            done = sent()
        t2 = time.perf_counter()
        print(
            f"delivered in-app: {done:,} of {n:,} in {t2 - t0:.2f} s after the dispatch began "
            f"(target ≤ 50 s, aim ≤ 20 s; {done / max(t2 - t0, 1e-9):,.0f}/s)",
            flush=True,
        )

        with connection.cursor() as cur:
            cur.execute(
                """SELECT count(*), count(DISTINCT (user_id, slot, channel)),
                          count(*) FILTER (WHERE status = 'sent'), max(attempts)
                   FROM reminders_delivery WHERE kind = 'scheduled'"""
            )
            deliveries, distinct, sent_rows, max_attempts = cur.fetchone()
            cur.execute("SELECT count(*), count(DISTINCT delivery_id) FROM reminders_notification")
            notifications, notified = cur.fetchone()
            cur.execute("SELECT count(*) FROM reminders_plan WHERE next_due_at <= %s", [slot])
            not_advanced = cur.fetchone()[0]
        checks = {
            "deliveries recorded": (deliveries, n),
            "distinct (user, slot, channel)": (distinct, n),
            "deliveries sent": (sent_rows, n),
            "notifications": (notifications, n),
            "deliveries with a notification": (notified, n),
            "plans not advanced": (not_advanced, 0),
        }
        ok = True
        for label, (got, want) in checks.items():
            mark = "ok" if got == want else "MISMATCH"
            ok &= got == want
            print(f"  {label}: {got:,} (expected {want:,}) {mark}")
        print(f"  max attempts per delivery: {max_attempts}; slot expiry {settings.REMINDER_SLOT_EXPIRY_MINUTES} min")
    finally:
        stop(workers)
        connections.close_all()
        _recreate(admin, name, create=False)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
