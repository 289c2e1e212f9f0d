"""Reports benchmark (design §11): a heavy user (5 years: ~100k intakes, ~3k
episodes, daily check-ins) on PostgreSQL; time and query count of the weekly report
and the factor analysis (targets < 200 ms and < 20 queries), and the time for the
Celery task to build 10,000 users' weekly snapshots. Exits non-zero when the rows in
SQL do not match what was generated.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tracker python -m bench report

Runs in its own database (DATABASE_URL's name + "_bench_reports", created if
missing). BENCH_REPORT_USERS sets the user count (default 10000).
"""

import datetime as dt
import os
import random
import statistics
import sys
import time
from urllib.parse import urlparse, urlunparse

YEARS = 5
INTAKES_PER_DAY = 55
EPISODES = 3000
USERS = int(os.environ.get("BENCH_REPORT_USERS", "10000"))
REPEAT = 7


def _bench_database() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("bench.report needs DATABASE_URL=postgres://... (PostgreSQL)")
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


def _heavy_user():
    from zoneinfo import ZoneInfo

    from accounts.models import Medication, User
    from tracker.diary import diary_day
    from tracker.logbook import beverages
    from tracker.logbook.models import Activity, CheckIn, Dose, Episode, Intake

    User.objects.filter(email="heavy@bench.invalid").delete()
    user = User.objects.create_user("heavy@bench.invalid", "bench-password-123", timezone="Europe/Berlin")
    zone = ZoneInfo(user.timezone)
    rng = random.Random(5)
    today = diary_day(dt.datetime.now(dt.UTC), zone, user.day_starts_at)
    days = [today - dt.timedelta(days=i) for i in range(YEARS * 365)]
    meds = [
        Medication.objects.create(user=user, name="Water tablet", drug_class="diuretic", started_on=days[400]),
        Medication.objects.create(user=user, name="Statin", drug_class="statin", started_on=days[900]),
    ]
    intakes, episodes, checkins, activities, doses = [], [], [], [], []
    beverages_list = ["water"] * 6 + ["tea", "coffee", "milk", "electrolyte_drink", "beer", "juice"]
    episode_days = rng.choices(days, k=EPISODES)
    for day in days:
        base = dt.datetime.combine(day, dt.time(7), tzinfo=zone).astimezone(dt.UTC)
        for k in range(INTAKES_PER_DAY):
            at = base + dt.timedelta(minutes=17 * k)
            beverage = rng.choice(beverages_list)
            volume = rng.choice([40, 60, 80])
            intakes.append(
                Intake(
                    user=user,
                    taken_at=at,
                    day=diary_day(at, zone, user.day_starts_at),
                    volume_ml=volume,
                    beverage=beverage,
                    effective_ml=beverages.effective_ml(volume_ml=volume, beverage=beverage),
                    alcohol_units=beverages.alcohol_units(volume_ml=volume, beverage=beverage),
                )
            )
        checkins.append(
            CheckIn(
                user=user,
                day=day,
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
            activities.append(
                Activity(
                    user=user,
                    started_at=base,
                    day=day,
                    duration_minutes=rng.choice([20, 45, 90]),
                    kind="running",
                    intensity=rng.choice(["light", "moderate", "vigorous"]),
                )
            )
        for med in meds:
            if rng.random() < 0.6:
                doses.append(Dose(user=user, taken_at=base, day=day, medication=med))
    for day in episode_days:
        at = dt.datetime.combine(day, dt.time(23), tzinfo=zone).astimezone(dt.UTC)
        episodes.append(
            Episode(
                user=user,
                started_at=at,
                day=day,
                duration_seconds=rng.randint(10, 600),
                muscle="calf",
                severity=rng.randint(1, 10),
                context="asleep",
                symptoms=["numbness"] if rng.random() < 0.02 else [],
            )
        )
    for model, rows in (
        (Intake, intakes),
        (Episode, episodes),
        (CheckIn, checkins),
        (Activity, activities),
        (Dose, doses),
    ):
        model.objects.bulk_create(rows, batch_size=5000)
    expected = {
        Intake: len(intakes),
        Episode: len(episodes),
        CheckIn: len(checkins),
        Activity: len(activities),
        Dose: len(doses),
    }
    return user, today, expected


def _check_counts(user, expected) -> bool:
    ok = True
    for model, n in expected.items():
        got = model.objects.filter(user=user).count()
        status = "ok" if got == n else "MISMATCH"
        ok &= got == n
        print(f"  {model.__name__:<9} {got:>7} rows in SQL (generated {n}) {status}")
    return ok


def _timed(fn, prepare=None):
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    times, queries = [], []
    for _ in range(REPEAT):
        if prepare:
            prepare()
        reset_queries()
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            fn()
            times.append((time.perf_counter() - start) * 1000)
        queries.append(len(ctx.captured_queries))
    return statistics.median(times), max(times), max(queries)


def _report(label, median, worst, queries) -> bool:
    ok = median < 200 and queries < 20
    print(
        f"  {label:<38} median {median:7.1f} ms  max {worst:7.1f} ms  {queries:>2} queries  "
        f"{'within' if ok else 'OVER'} target (<200 ms, <20 queries)"
    )
    return ok


def _many_users(n: int):
    from accounts.models import User
    from tracker.logbook.models import CheckIn, Episode, Intake
    from tracker.reports.models import WeeklySnapshot

    User.objects.filter(email__endswith="@many.bench.invalid").delete()
    users = User.objects.bulk_create(
        [User(email=f"u{i}@many.bench.invalid", timezone="Europe/Berlin", password="!") for i in range(n)],
        batch_size=5000,
    )
    # Last week's data for each: a check-in and a drink every day, a cramp on two days.
    from zoneinfo import ZoneInfo

    zone = ZoneInfo("Europe/Berlin")
    now = dt.datetime.now(dt.UTC)
    monday = now.astimezone(zone).date()
    monday -= dt.timedelta(days=monday.weekday() + 7)
    intakes, checkins, episodes = [], [], []
    for user in users:
        for k in range(7):
            day = monday + dt.timedelta(days=k)
            at = dt.datetime.combine(day, dt.time(12), tzinfo=zone).astimezone(dt.UTC)
            intakes.append(Intake(user=user, taken_at=at, day=day, volume_ml=1500, effective_ml=1500))
            checkins.append(CheckIn(user=user, day=day, sitting_hours=k))
            if k in (1, 4):
                episodes.append(
                    Episode(user=user, started_at=at, day=day, duration_seconds=60, muscle="calf", severity=5)
                )
    for model, rows in ((Intake, intakes), (CheckIn, checkins), (Episode, episodes)):
        model.objects.bulk_create(rows, batch_size=5000)
    WeeklySnapshot.objects.filter(user__in=users).delete()
    return users, monday


def main() -> int:
    _setup()
    from django.conf import settings
    from django.utils import timezone

    from tracker.reports import schedule, selectors, services
    from tracker.reports.models import ReportSchedule, WeeklySnapshot
    from tracker.reports.tasks import weekly_reports_deliver
    from tracker.reports.weeks import week_start_of

    settings.DEBUG = False
    print(f"Reports bench on {settings.DATABASES['default']['NAME']} (PostgreSQL)")
    start = time.perf_counter()
    user, today, expected = _heavy_user()
    print(f"Heavy user built in {time.perf_counter() - start:.1f} s:")
    counts_ok = _check_counts(user, expected)

    last_week = week_start_of(today, user.week_starts_on) - dt.timedelta(days=7)

    def weekly_cold():
        services.weekly_snapshot_get(user=user, week_start=last_week)

    def weekly_cached():
        services.weekly_snapshot_get(user=user, week_start=last_week)

    def no_snapshot():
        WeeklySnapshot.objects.filter(user=user).delete()

    def after_a_write():
        services.snapshots_mark_stale(user=user, days=[last_week])

    def factors():
        selectors.factors_report(user=user, weeks=12)

    weekly_cold()
    print("Heavy user (5 years):")
    _report("weekly report, first build", *_timed(weekly_cold, prepare=no_snapshot))
    _report("weekly report, rebuild after a write", *_timed(weekly_cached, prepare=after_a_write))
    _report("weekly report, fresh snapshot read", *_timed(weekly_cached))
    _report("factor analysis (12 weeks)", *_timed(factors))
    data = services.weekly_snapshot_get(user=user, week_start=last_week).data
    results = data["factors"]
    print(
        f"  analysis: {len(results)} results, {data['factors_window']['tests']} tests, "
        f"{data['episodes']['count']} cramps last week"
    )

    start = time.perf_counter()
    users, monday = _many_users(USERS)
    print(f"{USERS} users with a week of data built in {time.perf_counter() - start:.1f} s")
    ReportSchedule.objects.filter(user__in=users).delete()
    due = timezone.now()
    ReportSchedule.objects.bulk_create(
        [ReportSchedule(user=u, next_report_at=due, owed_week=monday, retry_at=due) for u in users]
    )
    ids = [u.id for u in users]
    start = time.perf_counter()
    for i in range(0, len(ids), schedule.PUBLISH_CHUNK):
        weekly_reports_deliver.apply(args=[ids[i : i + schedule.PUBLISH_CHUNK]]).get()
    elapsed = time.perf_counter() - start
    built = WeeklySnapshot.objects.filter(user__in=users, week_start=monday, stale=False).count()
    print(
        f"  weekly_reports_deliver task: {USERS} snapshots in {elapsed:.1f} s "
        f"({elapsed / USERS * 1000:.1f} ms each, one process); {built} fresh snapshots in SQL"
    )
    counts_ok &= built == USERS
    if not counts_ok:
        print("Row counts do not match.")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
