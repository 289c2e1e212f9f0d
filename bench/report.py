"""Reports benchmark (issue 14): a heavy user (5 years: ~100k intakes, 3k episodes,
daily check-ins answering "any cramps?", three medicines, one started this year so
the fixed baseline is read) on PostgreSQL — the weekly report's first build, a
rebuild after a write, a fresh read and the factor analysis, each timed against its
target with its query count; then 10,000 users, heavy and light mixed, whose weekly
reports fall due together and are built through the real task path: the sweep claims
and publishes chunks, two worker processes (the 2 cores) run the
`weekly_reports_deliver` task.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tracker \\
    CELERY_BROKER_URL=redis://127.0.0.1:6379/0 python -m bench report

Exits non-zero when a count check fails (rows in SQL, a first build over 12 queries or
not the same for a light user, a chunk's queries growing with its users, a snapshot not
built, a report still owed); a missed time target too with BENCH_REPORT_STRICT=1.
Own database (DATABASE_URL's name + "_bench_reports") and broker queue.
BENCH_REPORT_USERS: the user count (10000); BENCH_REPORT_HEAVY_EVERY: every n-th is heavy (20).
"""

import datetime as dt
import os
import random
import statistics
import sys
import time
from urllib.parse import urlparse, urlunparse

from bench._workers import cpu_seconds, start_workers, stop

QUEUE = "bench_reports"
YEARS = 5
INTAKES_PER_DAY = 55
USERS = int(os.environ.get("BENCH_REPORT_USERS", "10000"))
HEAVY_EVERY = int(os.environ.get("BENCH_REPORT_HEAVY_EVERY", "20"))
STRICT = os.environ.get("BENCH_REPORT_STRICT") == "1"
REPEAT = 9

TARGET_WEEKLY_MS, TARGET_WEEKLY_QUERIES = 50, 12
TARGET_FACTORS_MS = 30
TARGET_MANY_S = 60


def _bench_database() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("bench.report needs DATABASE_URL=postgres://... (PostgreSQL)")
    if not os.environ.get("CELERY_BROKER_URL", "").startswith("redis"):
        sys.exit("bench.report needs CELERY_BROKER_URL=redis://... (the workers' broker)")
    parts = urlparse(url)
    name = parts.path.lstrip("/") + "_bench_reports"
    import psycopg

    admin = urlunparse(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    return urlunparse(parts._replace(path="/" + name))


def _setup():
    os.environ["DATABASE_URL"] = _bench_database()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _at(day: dt.date, hour: float, zone) -> dt.datetime:
    # Between 05:00 and 23:59 local, so the diary day (day start 04:00) is `day`.
    return (dt.datetime.combine(day, dt.time(0), tzinfo=zone) + dt.timedelta(hours=hour)).astimezone(dt.UTC)


def _diary(
    user, *, days: list[dt.date], rng, intakes_per_day, cramp_share, meds, rows, per_cramp_day=(1, 1, 2)
) -> None:
    """A diary over `days`: drinks, a check-in that answers "any cramps?", cramps,
    activities and doses, appended to `rows` (model -> list) for bulk_create."""
    from tracker.logbook import beverages
    from tracker.logbook.models import Activity, CheckIn, Dose, Episode, Intake

    zone = user.zone
    kinds = ["water"] * 6 + ["tea", "coffee", "milk", "electrolyte_drink", "beer", "juice"]
    for day in days:
        cramps = [rng.uniform(6, 23.9) for _ in range(rng.choice(per_cramp_day))] if rng.random() < cramp_share else []
        for k in range(intakes_per_day):
            beverage, volume = rng.choice(kinds), rng.choice([150, 250, 330])
            rows[Intake].append(
                Intake(
                    user=user,
                    taken_at=_at(day, 7 + 16 * k / intakes_per_day, zone),
                    day=day,
                    volume_ml=volume,
                    beverage=beverage,
                    effective_ml=beverages.effective_ml(volume_ml=volume, beverage=beverage),
                    alcohol_units=beverages.alcohol_units(volume_ml=volume, beverage=beverage),
                )
            )
        for hour in cramps:
            rows[Episode].append(
                Episode(
                    user=user,
                    started_at=_at(day, hour, zone),
                    day=day,
                    duration_seconds=rng.randint(10, 600),
                    muscle=rng.choice(["calf", "calf", "foot", "thigh"]),
                    severity=rng.randint(1, 10),
                    context="asleep" if hour > 22 else "",
                    symptoms=["numbness"] if rng.random() < 0.02 else [],
                )
            )
        rows[CheckIn].append(
            CheckIn(
                user=user,
                day=day,
                no_cramps=not cramps,
                sitting_hours=rng.choice([3, 6, 9, 10]),
                standing_hours=rng.choice([1, 4, 7]),
                sleep_hours=rng.choice([5, 6.5, 8]),
                fatigue=rng.randint(1, 5),
                stress=rng.randint(1, 5),
                alcohol_units=rng.choice([None, 0, 2, 4]),
                hot_environment=rng.random() < 0.2,
                illness=["fever"] if rng.random() < 0.03 else [],
                potassium_rich_servings=rng.randint(0, 3),
                dehydration_signs=["thirst"] if rng.random() < 0.2 else [],
            )
        )
        if rng.random() < 0.4:
            rows[Activity].append(
                Activity(
                    user=user,
                    started_at=_at(day, 7, zone),
                    day=day,
                    duration_minutes=rng.choice([20, 45, 90]),
                    kind="running",
                    intensity=rng.choice(["light", "moderate", "vigorous"]),
                )
            )
        for med in meds:
            if (med.started_on is None or med.started_on <= day) and rng.random() < 0.6:
                rows[Dose].append(Dose(user=user, taken_at=_at(day, 8, zone), day=day, medication=med))


def _store(rows: dict) -> dict:
    for model, objects in rows.items():
        model.objects.bulk_create(objects, batch_size=5000)
    return {model: len(objects) for model, objects in rows.items()}


def _empty_rows() -> dict:
    from tracker.logbook.models import Activity, CheckIn, Dose, Episode, Intake

    return {Intake: [], Episode: [], CheckIn: [], Activity: [], Dose: []}


def _heavy_user():
    from accounts.models import Medication, User
    from tracker.reports.weeks import user_today

    User.objects.filter(email="heavy@bench.invalid").delete()
    user = User.objects.create_user("heavy@bench.invalid", "bench-password-123", timezone="Europe/Berlin")
    rng = random.Random(5)
    today = user_today(user)
    days = [today - dt.timedelta(days=i) for i in range(YEARS * 365)]
    meds = [
        Medication.objects.create(user=user, name="Water tablet", drug_class="diuretic", started_on=days[400]),
        Medication.objects.create(user=user, name="Statin", drug_class="statin", started_on=days[900]),
        # Started this year: the week is compared with the 4 weeks before it.
        Medication.objects.create(user=user, name="Magnesium", drug_class="magnesium", started_on=days[150]),
    ]
    rows = _empty_rows()
    _diary(
        user,
        days=days,
        rng=rng,
        intakes_per_day=INTAKES_PER_DAY,
        # ~3,000 cramps on about half the days (3.3 on a cramp day).
        cramp_share=0.5,
        per_cramp_day=(1, 2, 3, 4, 5, 5),
        meds=meds,
        rows=rows,
    )
    return user, today, _store(rows)


def _check_counts(expected: dict, **filters) -> bool:
    ok = True
    for model, n in expected.items():
        got = model.objects.filter(**filters).count()
        ok &= got == n
        print(f"  {model.__name__:<9} {got:>8} rows in SQL (generated {n}) {'ok' if got == n else 'MISMATCH'}")
    return ok


def _timed(fn, prepare=None) -> tuple[float, float, int, float]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times, cpu, queries = [], [], []
    for _ in range(REPEAT):
        if prepare:
            prepare()
        with CaptureQueriesContext(connection) as ctx:
            start, start_cpu = time.perf_counter(), time.process_time()
            fn()
            times.append((time.perf_counter() - start) * 1000)
            cpu.append((time.process_time() - start_cpu) * 1000)
        queries.append(len(ctx.captured_queries))
    return statistics.median(times), max(times), max(queries), statistics.median(cpu)


def _figure(label: str, value: float, target: float, unit: str, extra: str = "") -> bool:
    ratio = value / target
    met = value <= target
    print(
        f"  {label:<40} {value:8.1f} {unit:<3} target <= {target:g} {unit}: {ratio:4.2f}x "
        f"{'met' if met else 'MISSED'}{extra}"
    )
    return met


def _query_check(label: str, got: int, want: str, ok: bool) -> bool:
    print(f"  {label:<40} {got:>4} queries ({want}) {'ok' if ok else 'COUNT CHECK FAILED'}")
    return ok


def _many_users(n: int, now: dt.datetime):
    """n users, every HEAVY_EVERY-th heavy (120 days: 8 drinks a day, a daily check-in,
    cramps on a third of days, a supplement started 100 days ago), the rest light (the
    owed week: a drink and a check-in a day, two cramps). Returns them and the rows."""
    from zoneinfo import ZoneInfo

    from accounts.models import Medication, User
    from tracker.reports.schedule import report_week_owed

    User.objects.filter(email__endswith="@many.bench.invalid").delete()
    zones = ["Europe/Berlin", "America/New_York", "Asia/Tokyo", "UTC"]
    users = User.objects.bulk_create(
        [
            User(
                email=f"u{i}@many.bench.invalid",
                timezone=zones[i % len(zones)],
                week_starts_on="sunday" if i % 7 == 3 else "monday",
                password="!",
            )
            for i in range(n)
        ],
        batch_size=5000,
    )
    rng = random.Random(7)
    heavy = [u for i, u in enumerate(users) if i % HEAVY_EVERY == 0]
    meds = {
        u.pk: Medication(
            user=u,
            name="Magnesium",
            drug_class="magnesium",
            started_on=report_week_owed(now, zone=ZoneInfo(u.timezone), week_starts_on=u.week_starts_on)
            - dt.timedelta(days=93),
        )
        for u in heavy
    }
    Medication.objects.bulk_create(meds.values())
    expected: dict = {}
    for start in range(0, n, 1000):
        rows = _empty_rows()
        for user in users[start : start + 1000]:
            owed = report_week_owed(now, zone=ZoneInfo(user.timezone), week_starts_on=user.week_starts_on)
            if user.pk in meds:
                days = [owed + dt.timedelta(days=6 - i) for i in range(120)]
                _diary(user, days=days, rng=rng, intakes_per_day=8, cramp_share=0.33, meds=[meds[user.pk]], rows=rows)
            else:
                days = [owed + dt.timedelta(days=i) for i in range(7)]
                _diary(user, days=days, rng=rng, intakes_per_day=1, cramp_share=0.3, meds=[], rows=rows)
        for model, count in _store(rows).items():
            expected[model] = expected.get(model, 0) + count
    return users, len(heavy), expected


def _heavy_figures(user, today) -> tuple[bool, bool]:
    """The heavy user's figures; returns (counts ok, time targets met)."""
    from accounts.models import User
    from tracker.reports import selectors, services
    from tracker.reports.models import WeeklySnapshot
    from tracker.reports.weeks import week_start_of

    last_week = week_start_of(today, user.week_starts_on) - dt.timedelta(days=7)

    def weekly():
        services.weekly_snapshot_get(user=user, week_start=last_week)

    def no_snapshot():
        WeeklySnapshot.objects.filter(user=user).delete()

    def after_a_write():
        services.snapshots_mark_stale(user=user, days=[last_week])

    weekly()
    first = _timed(weekly, prepare=no_snapshot)
    rebuild = _timed(weekly, prepare=after_a_write)
    fresh = _timed(weekly)
    factors = _timed(lambda: selectors.factors_report(user=user, weeks=12))
    print("Heavy user (5 years):")
    # The CPU time is this process's (Python) share, PostgreSQL's not counted: on a busy
    # machine it moves far less than the wall clock.
    met = _figure(
        "weekly report, first build (median)",
        first[0],
        TARGET_WEEKLY_MS,
        "ms",
        f"; max {first[1]:.1f}; Python CPU {first[3]:.1f} ms",
    )
    met &= _figure(
        "factor analysis, 12 weeks (median)",
        factors[0],
        TARGET_FACTORS_MS,
        "ms",
        f"; max {factors[1]:.1f}; Python CPU {factors[3]:.1f} ms",
    )
    print(f"  {'weekly report, rebuild after a write':<40} {rebuild[0]:8.1f} ms  {rebuild[2]} queries")
    print(f"  {'weekly report, fresh snapshot read':<40} {fresh[0]:8.1f} ms  {fresh[2]} queries")
    ok = _query_check("weekly report, first build", first[2], f"target <= {TARGET_WEEKLY_QUERIES}", first[2] <= 12)
    print(f"  {'factor analysis':<40} {factors[2]:>4} queries")

    light = User.objects.create_user("light@bench.invalid", "bench-password-123", timezone="America/New_York")
    try:
        from accounts.models import Medication
        from tracker.logbook.models import Episode

        Medication.objects.create(user=light, name="Tablet", drug_class="statin", started_on=last_week)
        Episode.objects.create(
            user=light,
            started_at=_at(last_week, 21, light.zone),
            day=last_week,
            duration_seconds=60,
            muscle="calf",
            severity=4,
        )
        light_first = _timed(
            lambda: services.weekly_snapshot_get(user=light, week_start=last_week),
            prepare=lambda: WeeklySnapshot.objects.filter(user=light).delete(),
        )
    finally:
        light.delete()
    ok &= _query_check(
        "light user's first build", light_first[2], f"heavy user's: {first[2]}", light_first[2] == first[2]
    )
    data = services.weekly_snapshot_get(user=user, week_start=last_week).data
    print(
        f"  analysis: {len(data['factors'])} results, {data['factors_window']['tests']} tests over "
        f"{data['factors_window']['observed_days']} observed days; {data['episodes']['count']} cramps last week; "
        f"fixed baseline: {bool(data['change']['fixed_baseline'])}"
    )
    return ok, met


def _chunk_queries(users) -> tuple[int, int]:
    """Queries of weekly_snapshots_get for a chunk of 1 and of len(users) users."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tracker.reports import services
    from tracker.reports.models import WeeklySnapshot
    from tracker.reports.weeks import user_today, week_start_of

    counts = []
    for chunk in (users[:1], users):
        WeeklySnapshot.objects.filter(user__in=chunk).delete()
        weeks = [(u, week_start_of(user_today(u), u.week_starts_on) - dt.timedelta(days=7)) for u in chunk]
        with CaptureQueriesContext(connection) as ctx:
            built = services.weekly_snapshots_get(weeks=weeks)
        assert not any(isinstance(v, Exception) for v in built.values()), built
        counts.append(len(ctx.captured_queries))
    WeeklySnapshot.objects.filter(user__in=users).delete()
    return counts[0], counts[1]


def main() -> int:
    sys.stdout.reconfigure(line_buffering=True)  # figures show as they come, also into a file
    _setup()
    from django.conf import settings
    from django.db import connection
    from django.utils import timezone

    from tracker.celery import app
    from tracker.reports import schedule
    from tracker.reports.models import ReportSchedule, WeeklySnapshot

    settings.DEBUG = False
    print(f"Reports bench on {settings.DATABASES['default']['NAME']} (PostgreSQL); load average {os.getloadavg()}")
    # The last run's 10,000 users go first: every run then measures the heavy user on the
    # same database (their recent rows would also skew the planner's day statistics).
    from accounts.models import User

    User.objects.filter(email__endswith="@many.bench.invalid").delete()
    start = time.perf_counter()
    user, today, expected = _heavy_user()
    print(f"Heavy user built in {time.perf_counter() - start:.1f} s:")
    counts_ok = _check_counts(expected, user=user)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # planner statistics, as a live database has them
    ok, met = _heavy_figures(user, today)
    counts_ok &= ok

    now = timezone.now()
    start = time.perf_counter()
    users, heavy, expected = _many_users(USERS, now)
    print(f"{USERS} users ({heavy} heavy: 120 days of diary) built in {time.perf_counter() - start:.1f} s:")
    counts_ok &= _check_counts(expected, user__email__endswith="@many.bench.invalid")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # planner statistics, as a live database has them
    mixed = users[: HEAVY_EVERY * 5]
    one, many = _chunk_queries(mixed)
    counts_ok &= _query_check(f"a chunk of {len(mixed)} users' build", many, f"a chunk of 1: {one}", one == many)

    ReportSchedule.objects.filter(user__in=users).delete()
    ReportSchedule.objects.bulk_create(
        [ReportSchedule(user=u, next_report_at=now - dt.timedelta(minutes=1)) for u in users], batch_size=5000
    )
    app.conf.task_routes = {"tracker.reports.tasks.weekly_reports_deliver": {"queue": QUEUE}}
    with app.connection_for_write() as conn:
        conn.default_channel.queue_declare(QUEUE, durable=True, auto_delete=False)
        conn.default_channel.queue_purge(QUEUE)
    workers = start_workers({**os.environ}, queue=QUEUE, name="reports")
    try:
        time.sleep(3)  # let the workers connect before the clock starts
        print(f"  load average before the sweep: {os.getloadavg()}")
        cpu_before = sum(cpu_seconds(w.pid) for w in workers)
        start = time.perf_counter()
        published = schedule.weekly_reports_sweep(now=now)
        owed = ReportSchedule.objects.filter(user__in=users, owed_week__isnull=False)
        deadline = time.monotonic() + 1800
        while owed.exists() and time.monotonic() < deadline and all(w.poll() is None for w in workers):
            time.sleep(0.25)
        elapsed = time.perf_counter() - start
        worker_cpu = sum(cpu_seconds(w.pid) for w in workers) - cpu_before
        print(f"  load average after: {os.getloadavg()}")
    finally:
        stop(workers)
    fresh = WeeklySnapshot.objects.filter(user__in=users, stale=False).count()
    failed = ReportSchedule.objects.filter(user__in=users, attempts__gt=0).count()
    left = owed.count()
    print(
        f"{USERS} users' weekly reports through the sweep and 2 worker processes (chunks of {schedule.PUBLISH_CHUNK}):"
    )
    met &= _figure(
        f"{USERS} weekly snapshots built", elapsed, TARGET_MANY_S, "s", f" ({elapsed / USERS * 1000:.2f} ms each)"
    )
    print(
        f"  {'CPU time of the two workers':<40} {worker_cpu:8.1f} s   ({worker_cpu / USERS * 1000:.2f} ms a user; "
        "PostgreSQL's not counted)"
    )
    checks = {"published": (published, USERS), "fresh snapshots in SQL": (fresh, USERS)}
    checks |= {"reports still owed": (left, 0), "failed": (failed, 0)}
    for label, (got, want) in checks.items():
        ok = got == want
        counts_ok &= ok
        print(f"  {label:<40} {got:>8} (expected {want}) {'ok' if ok else 'MISMATCH'}")
    if not counts_ok:
        print("A count check failed.")
        return 1
    if STRICT and not met:
        print("A time target was missed (BENCH_REPORT_STRICT=1).")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
