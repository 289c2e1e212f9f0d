"""The logging hot path (issue 14): what each write costs in queries, and that the
work saved did not skip a rule."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext

from accounts.models import ApiToken, IdempotencyKey
from accounts.services import api_token_authenticate, api_token_create
from accounts.throttles import UserRateThrottle
from reminders import plans
from reminders.models import Delivery, Notification
from tests.factories import CheckInFactory
from tracker.diary import diary_day
from tracker.logbook import services
from tracker.logbook.advice import CRAMP_TIPS
from tracker.logbook.api import EpisodeSerializer, IntakeSerializer
from tracker.logbook.models import CheckIn, Episode, Intake
from tracker.prepared import Prepared
from tracker.reports.models import WeeklySnapshot
from tracker.reports.services import snapshots_stale_statement

NOW = dt.datetime(2026, 3, 8, 7, 30, tzinfo=dt.UTC)  # 02:30 in New York, the night of the DST change
INTAKE = {"taken_at": NOW.isoformat(), "volume_ml": 250}
CRAMP = {"started_at": NOW.isoformat(), "duration_seconds": 60, "muscle": "calf", "severity": 4}


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def _queries(api, body, path="/api/v1/intakes/", **headers) -> list[str]:
    with CaptureQueriesContext(connection) as ctx:
        response = api.post(path, body, format="json", **headers)
    assert response.status_code == 201, response.content
    return [q["sql"] for q in ctx.captured_queries]


def _snapshot_of_this_week(user) -> WeeklySnapshot:
    # As a read of the weekly report leaves it: fresh, for the week of NOW.
    day = diary_day(NOW, user.zone, user.day_starts_at)
    week_start = day - dt.timedelta(days=day.weekday())
    return WeeklySnapshot.objects.create(user=user, week_start=week_start, generated_at=NOW)


def test_an_idempotency_key_costs_its_lookup_insert_and_stored_response_only(alice_api):
    # The key's own work: look it up, insert it, store the response; the savepoint pair is
    # the logbook's transaction nested in the key's. Before, every keyed POST also ran a
    # DELETE of an expired copy of the key in a transaction of its own.
    _queries(alice_api, INTAKE)  # the token's first use also records when it was used
    plain = _queries(alice_api, INTAKE)
    keyed = _queries(alice_api, INTAKE, HTTP_IDEMPOTENCY_KEY="tap-1")
    assert len(keyed) - len(plain) == 5
    assert not any(sql.startswith("DELETE") for sql in keyed)
    assert Intake.objects.count() == 3


def test_an_expired_key_is_forgotten_when_it_comes_back_and_applies_anew(alice, alice_api):
    first = alice_api.post("/api/v1/intakes/", INTAKE, format="json", HTTP_IDEMPOTENCY_KEY="old")
    later = NOW + dt.timedelta(hours=25)
    with time_machine.travel(later, tick=False):
        again = alice_api.post(
            "/api/v1/intakes/", {**INTAKE, "taken_at": later.isoformat()}, format="json", HTTP_IDEMPOTENCY_KEY="old"
        )
        replay = alice_api.post(
            "/api/v1/intakes/", {**INTAKE, "taken_at": later.isoformat()}, format="json", HTTP_IDEMPOTENCY_KEY="old"
        )
    assert (first.status_code, again.status_code, replay.status_code) == (201, 201, 201)
    assert "Idempotent-Replayed" not in again and replay["Idempotent-Replayed"] == "true"
    assert replay.json() == again.json() != first.json()
    assert Intake.objects.count() == 2
    assert IdempotencyKey.objects.get(user=alice, key="old").created_at == later


def test_serializer_fields_are_built_once_per_class_but_never_shared(alice_api):
    one, two = IntakeSerializer(), IntakeSerializer()
    assert set(one.fields) == set(two.fields)
    assert all(one.fields[name] is not two.fields[name] for name in one.fields)
    # A change to one request's field (DRF binds each to its serializer) stays there.
    one.fields["volume_ml"].max_value = 1
    one.fields["volume_ml"].error_messages["max_value"] = "changed"
    one.fields["volume_ml"].validators.clear()
    fresh = IntakeSerializer().fields["volume_ml"]
    assert fresh.max_value != 1 and fresh.error_messages["max_value"] != "changed" and fresh.validators
    assert set(EpisodeSerializer().fields) != set(one.fields)  # one prototype per class


def test_a_request_serializer_builds_no_field_anew_and_binds_each_to_itself(alice_api):
    from rest_framework.fields import Field

    assert EpisodeSerializer().fields  # the class's prototype, built once
    one, two = EpisodeSerializer(), EpisodeSerializer()  # (a serializer is a Field itself)
    before = Field._creation_counter
    # DRF's deep copy ran every field's __init__ again (a quarter of a cramp's CPU).
    assert (len(one.fields), len(two.fields), Field._creation_counter) == (14, 14, before)
    for serializer in (one, two):
        assert all(field.parent is serializer and field.field_name == name for name, field in serializer.fields.items())
    # A list field's child is its own, bound to it.
    assert one.fields["symptoms"].child is not two.fields["symptoms"].child
    assert one.fields["symptoms"].child.parent is one.fields["symptoms"]
    # And the rules hold on each: a choice out of the list, a read-only field.
    for _ in range(2):
        response = alice_api.post(
            "/api/v1/episodes/", {**CRAMP, "symptoms": ["hiccups"], "at_night": True}, format="json"
        )
        assert response.status_code == 400 and "at_night" in response.json()
        response = alice_api.post("/api/v1/episodes/", {**CRAMP, "symptoms": ["hiccups"]}, format="json")
        assert response.status_code == 400 and "symptoms" in response.json()
    assert not Episode.objects.exists()


@pytest.mark.parametrize(
    "body, field",
    [
        ({**INTAKE, "volume_ml": "250"}, "volume_ml"),  # strict types still checked
        ({**INTAKE, "volume_ml": 6000}, "volume_ml"),  # model validators still run
        ({**INTAKE, "taken_at": "2026-03-08T02:30:00"}, "taken_at"),  # no offset
        ({**INTAKE, "surprise": 1}, "surprise"),  # unknown field
    ],
)
def test_the_strict_rules_hold_on_every_request_not_only_the_first(alice_api, body, field):
    for _ in range(2):
        response = alice_api.post("/api/v1/intakes/", body, format="json")
        assert response.status_code == 400 and field in response.json()
    assert not Intake.objects.exists()


def test_a_web_worker_imports_the_views_when_it_boots_not_on_its_first_request():
    import subprocess
    import sys
    from pathlib import Path

    modules = ("tracker.logbook.views", "tracker.reports.charts")
    code = f"import sys, tracker.wsgi; print(*(m in sys.modules for m in {modules!r}))"
    root = Path(__file__).resolve().parent.parent
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split() == ["True", "True"]


# The one-statement writes are PostgreSQL's data-modifying CTEs; SQLite's path is the
# transaction tested below (needs_postgres skips these there, or fails under REQUIRE_ALL).
def test_a_drink_is_one_statement_after_the_token_and_still_stales_the_weeks_report(alice, alice_api, needs_postgres):
    # Before: token, BEGIN, INSERT, the stale-marking UPDATE, COMMIT. Now the UPDATE runs
    # inside the INSERT's own statement, atomic without a transaction: two, as a bare endpoint.
    _queries(alice_api, INTAKE)  # the token's first use also records when it was used
    snapshot = _snapshot_of_this_week(alice)
    queries = _queries(alice_api, INTAKE)
    assert len(queries) == 2
    assert queries[0].startswith("SELECT") and "accounts_apitoken" in queries[0]
    assert queries[1].startswith("WITH") and "reports_weeklysnapshot" in queries[1] and "logbook_intake" in queries[1]
    snapshot.refresh_from_db()
    assert snapshot.stale and snapshot.version == 1
    assert Intake.objects.filter(user=alice).count() == 2


@pytest.mark.django_db(transaction=True)
def test_an_entry_whose_insert_fails_leaves_the_weeks_report_fresh(alice, needs_postgres):
    # The stale mark and the INSERT are one statement: a refused row takes the mark with it.
    snapshot = _snapshot_of_this_week(alice)
    day = diary_day(NOW, alice.zone, alice.day_starts_at)
    bad = Intake(user=alice, taken_at=NOW, day=day, volume_ml=-5, effective_ml=-5, alcohol_units=0)
    with pytest.raises(IntegrityError):
        services._insert(bad, [snapshots_stale_statement(user_id=alice.pk, days=[day])], "default")
    snapshot.refresh_from_db()
    assert not snapshot.stale and snapshot.version == 0
    assert not Intake.objects.exists()


def test_a_cramp_shows_its_tips_in_the_app_at_once_and_publishes_nothing(
    alice, alice_api, django_capture_on_commit_callbacks, needs_postgres
):
    plans.plan_get(user=alice)  # the default plan: on, in-app only
    _queries(alice_api, INTAKE)
    CheckInFactory(user=alice, day=diary_day(NOW, alice.zone, alice.day_starts_at), no_cramps=True)
    with django_capture_on_commit_callbacks() as published:
        queries = _queries(alice_api, CRAMP, path="/api/v1/episodes/")
    # Token; one INSERT carrying the stale mark, the "no cramps" correction, the read of the
    # reminder plan, the delivery and its notification. Before: 8 (with BEGIN and COMMIT) and
    # a broker publish; then 3 (the plan read on its own).
    assert len(queries) == 2, queries
    assert queries[1].startswith("WITH")
    for table in (
        "reports_weeklysnapshot",
        "logbook_checkin",
        "reminders_plan",
        "reminders_delivery",
        "reminders_notification",
        "logbook_episode",
    ):
        assert table in queries[1]
    assert published == []
    [notification] = Notification.objects.filter(user=alice)
    assert notification.title == "After a cramp" and notification.body.splitlines() == list(CRAMP_TIPS)
    [delivery] = Delivery.objects.filter(user=alice)
    assert (delivery.kind, delivery.channel, delivery.status, delivery.attempts) == ("event", "in_app", "sent", 1)
    assert notification.delivery_id == delivery.id and delivery.sent_at is not None
    assert CheckIn.objects.get(user=alice).no_cramps is False


def test_the_hot_statements_are_parsed_and_planned_once_per_connection(alice, alice_api, needs_postgres):
    # Their SQL text is the same on every call and the values go apart from it, so
    # PostgreSQL keeps their plans: a cramp's INSERT was parsed and planned on every
    # request (0.3 of its 0.5 ms of database CPU), as Django's client-side binding sends
    # each request's values inside the SQL.
    for minutes in range(8):
        at = (NOW - dt.timedelta(minutes=minutes)).isoformat()
        assert alice_api.post("/api/v1/episodes/", {**CRAMP, "started_at": at}, format="json").status_code == 201
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor.fetchall()]
    assert any('INSERT INTO "logbook_episode"' in sql and "reminders_delivery" in sql for sql in prepared)
    assert any('FROM "accounts_apitoken"' in sql for sql in prepared)  # the token lookup
    assert Episode.objects.filter(user=alice).count() == 8 and Notification.objects.filter(user=alice).count() == 8


def test_a_cramp_still_sends_its_tips_by_email_through_the_pipeline(
    alice, alice_api, django_capture_on_commit_callbacks
):
    plans.plan_update(plan=plans.plan_get(user=alice), channels=["in_app", "email"])
    with django_capture_on_commit_callbacks() as published:
        _queries(alice_api, CRAMP, path="/api/v1/episodes/")
    statuses = dict(Delivery.objects.filter(user=alice).values_list("channel", "status"))
    assert statuses == {"in_app": "sent", "email": "pending"}
    assert len(published) == 1  # the email's task, after commit
    assert Notification.objects.filter(user=alice).count() == 1


def test_a_cramp_logged_long_after_the_fact_writes_no_reminder_and_needs_no_transaction(
    alice, alice_api, needs_postgres
):
    plans.plan_get(user=alice)
    _queries(alice_api, INTAKE)
    old = {**CRAMP, "started_at": (NOW - dt.timedelta(hours=3)).isoformat()}
    queries = _queries(alice_api, old, path="/api/v1/episodes/")
    assert len(queries) == 2  # the token, and the INSERT with its stale mark and "no cramps" correction
    assert not Delivery.objects.exists() and Episode.objects.count() == 1


def test_the_user_rate_answers_429_with_retry_after_until_the_window_closes(alice_api, monkeypatch):
    monkeypatch.setattr(UserRateThrottle, "rate", "3/min", raising=False)
    assert [alice_api.get("/api/v1/intakes/").status_code for _ in range(3)] == [200] * 3
    with time_machine.travel(NOW + dt.timedelta(seconds=20), tick=False):
        refused = alice_api.get("/api/v1/intakes/")
        assert refused.status_code == 429 and refused["Retry-After"] == "40"
    with time_machine.travel(NOW + dt.timedelta(seconds=60), tick=False):
        assert alice_api.get("/api/v1/intakes/").status_code == 200


def test_the_token_lookup_gives_what_the_queryset_gives(alice):
    token, raw = api_token_create(user=alice, name="phone")
    api_token_authenticate(raw=raw)  # the first use records last_used_at
    found = api_token_authenticate(raw=raw)
    expected = ApiToken.objects.select_related("user").get(pk=token.pk)
    for field in ApiToken._meta.concrete_fields:
        assert getattr(found, field.attname) == getattr(expected, field.attname), field.name
    for field in type(alice)._meta.concrete_fields:
        assert getattr(found.user, field.attname) == getattr(expected.user, field.attname), field.name
    assert found.user.zone == expected.user.zone and found.user.goal_ml == expected.user.goal_ml
    assert api_token_authenticate(raw=raw + "x") is None


def test_a_prepared_statement_refuses_a_value_twice_or_a_none(alice):
    twice = Prepared(lambda user_id: Intake.objects.filter(user_id=user_id, volume_ml=user_id), user_id=int)
    with pytest.raises(ValueError):
        twice.first(user_id=alice.pk)
    once = Prepared(lambda user_id: Intake.objects.filter(user_id=user_id), user_id=int)
    with pytest.raises(ValueError):
        once.first(user_id=None)  # the ORM would have compiled IS NULL


def test_an_insert_compiled_once_sends_what_the_orm_would(alice):
    from reminders.events import _in_app_delivery
    from tracker.prepared import _compiled_insert, _insert_fields, insert_statement

    day = diary_day(NOW, alice.zone, alice.day_starts_at)
    rows = [
        Intake(user=alice, taken_at=NOW, day=day, volume_ml=250, beverage="water", effective_ml=250, alcohol_units=0),
        Episode(user=alice, started_at=NOW, day=day, duration_seconds=60, muscle="calf", severity=4, symptoms=["x"]),
        _in_app_delivery(user=alice, payload={"title": "After a cramp", "text": "Stretch."}),
    ]
    for row in rows:
        for returning in (True, False):
            insert_statement(row, returning=returning)  # compiles and keeps the SQL
            sql, params = insert_statement(row, returning=returning)
            orm = _compiled_insert(row, _insert_fields(type(row)), "default", returning)
            assert sql == orm[0]
            assert [getattr(p, "obj", p) for p in params] == [getattr(p, "obj", p) for p in orm[1]]


def test_where_the_database_has_no_data_modifying_ctes_the_same_work_runs_in_a_transaction(
    alice, alice_api, monkeypatch
):
    # SQLite (make run without PostgreSQL): receivers answer with callables instead.
    plans.plan_get(user=alice)
    snapshot = _snapshot_of_this_week(alice)
    CheckInFactory(user=alice, day=diary_day(NOW, alice.zone, alice.day_starts_at), no_cramps=True)
    snapshot.refresh_from_db()
    version = snapshot.version
    monkeypatch.setattr(connection, "vendor", "sqlite")
    queries = _queries(alice_api, CRAMP, path="/api/v1/episodes/")
    assert not any(sql.startswith("WITH") for sql in queries)
    snapshot.refresh_from_db()
    assert snapshot.stale and snapshot.version == version + 1
    assert CheckIn.objects.get(user=alice).no_cramps is False
    assert Notification.objects.get(user=alice).title == "After a cramp"
    assert Delivery.objects.get(user=alice).status == "sent"


def test_recent_drinks_compiled_once_are_what_the_queryset_gives(alice):
    from django.db.models import Max

    from tests.factories import IntakeFactory
    from tracker.logbook.selectors import recent_drinks

    for minutes, (volume_ml, beverage) in enumerate([(250, "water"), (330, "tea"), (500, "water"), (200, "coffee")]):
        IntakeFactory(
            user=alice, taken_at=NOW - dt.timedelta(minutes=10 * minutes + 1), volume_ml=volume_ml, beverage=beverage
        )
    for exclude in ([], [(250, "water")], [(250, "water"), (500, "water"), (300, "tea")]):
        queryset = Intake.objects.for_user(alice).filter(taken_at__gte=NOW - dt.timedelta(days=60))
        for volume_ml, beverage in exclude:
            queryset = queryset.exclude(volume_ml=volume_ml, beverage=beverage)
        grouped = queryset.values("volume_ml", "beverage").annotate(last_at=Max("taken_at"), entry_id=Max("id"))
        expected = list(grouped.order_by("-last_at", "-entry_id")[:3])
        assert recent_drinks(user=alice, exclude=exclude) == expected
        assert len(expected) == min(3, 4 - len([e for e in exclude if e != (300, "tea")]))


def test_the_unread_badge_counts_only_this_users_unread_notifications(alice, bob, rf):
    from reminders.context_processors import notifications

    def badge(user):
        request = rf.get("/")
        request.user, request.session = user, {"reminders_plan_checked": True}
        return notifications(request)["unread_notifications"]

    assert badge(alice) == 0
    Notification.objects.create(user=alice, title="One", body="x")
    Notification.objects.create(user=alice, title="Two", body="x")
    Notification.objects.create(user=alice, title="Read", body="x", read=True)
    Notification.objects.create(user=bob, title="Bob's", body="x")
    assert (badge(alice), badge(bob)) == (2, 1)


# Last night's cramps are read only in the morning.
TODAY_QUERIES = {"morning": 4, "afternoon": 3}


def _today_queries(client) -> list[str]:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/").status_code == 200
    return [q["sql"] for q in ctx.captured_queries]


def test_the_today_page_reads_a_fixed_number_of_queries_however_full_the_day(alice, client):
    from tests.factories import IntakeFactory

    client.force_login(alice)
    client.get("/")  # the first page of a session also creates the reminder plan

    IntakeFactory(user=alice, taken_at=NOW - dt.timedelta(minutes=5))
    one = _today_queries(client)
    for minutes in range(20):
        IntakeFactory(user=alice, taken_at=NOW - dt.timedelta(minutes=10 + minutes), volume_ml=100 + minutes)
    full = _today_queries(client)
    # Session, user, four kinds of entries, today's and yesterday's check-in (one read:
    # in the morning the page asks about yesterday), last night's cramps (in the
    # morning), regular medicines, recent drinks, the unread badge, the running experiment.
    assert len(one) == len(full) == TODAY_QUERIES["morning"], full


@pytest.mark.parametrize("local_hour", [8, 15], ids=["morning", "afternoon"])
def test_today_costs_the_same_queries_with_every_kind_of_entry_and_check_ins(alice, client, local_hour):
    """A realistic day and a full one, morning (the page asks about yesterday's
    check-in) and afternoon: the same reads, whatever was logged."""
    from tests.factories import ActivityFactory, DoseFactory, EpisodeFactory, IntakeFactory, MedicationFactory

    now = dt.datetime(2026, 3, 8, local_hour - 1, 30, tzinfo=dt.UTC)  # Berlin is UTC+1 in March
    with time_machine.travel(now, tick=False):
        client.force_login(alice)
        client.get("/")
        IntakeFactory(user=alice, taken_at=now - dt.timedelta(minutes=5))
        one = _today_queries(client)
        pills = [MedicationFactory(user=alice, name=f"Pill {n}", regular=True) for n in range(3)]
        for n in range(12):
            IntakeFactory(user=alice, taken_at=now - dt.timedelta(minutes=10 + n), volume_ml=100 + n, beverage="tea")
        for n in range(3):
            EpisodeFactory(user=alice, started_at=now - dt.timedelta(minutes=40 + n))
            ActivityFactory(user=alice, started_at=now - dt.timedelta(minutes=50 + n))
            DoseFactory(user=alice, taken_at=now - dt.timedelta(minutes=55 + n), medication=pills[n])
        today = diary_day(now, alice.zone, alice.day_starts_at)
        CheckInFactory(user=alice, day=today - dt.timedelta(days=1))
        CheckInFactory(user=alice, day=today)
        full = _today_queries(client)
        body = client.get("/").content.decode()
    assert len(one) == len(full) == TODAY_QUERIES["morning" if local_hour < 12 else "afternoon"], full
    assert body.count('<span class="what">') == 22 and "Took Pill 2" in body


def test_templates_are_compiled_once_per_process(settings):
    """Every page leans on Jinja2's cache of compiled templates (Today's includes
    especially): a template is compiled on its first use, not again on each page, and
    not checked for changes on disk unless DEBUG is on."""
    from django.template import engines

    env = engines["jinja2"].env
    assert env.auto_reload is settings.DEBUG is False
    assert env.get_template("logbook/_today_panel.html") is env.get_template("logbook/_today_panel.html")


def test_the_four_kinds_of_entries_come_back_from_one_statement_as_their_own_reads_give_them(
    alice, bob, django_assert_num_queries
):
    from tests.factories import ActivityFactory, DoseFactory, EpisodeFactory, IntakeFactory
    from tracker.logbook import selectors

    earlier = NOW - dt.timedelta(hours=2)
    for user in (alice, bob):
        IntakeFactory(user=user, taken_at=earlier, volume_ml=330, beverage="tea", sodium_mg=12)
        IntakeFactory(user=user, taken_at=NOW - dt.timedelta(hours=1), volume_ml=250)
        EpisodeFactory(user=user, started_at=earlier, symptoms=["swelling"], side="left")
        DoseFactory(user=user, taken_at=earlier, amount=Decimal("2.5"), amount_unit="mg")
        ActivityFactory(user=user, started_at=earlier, heavy_sweating=True)
    day = diary_day(NOW, alice.zone, alice.day_starts_at)
    start = day - dt.timedelta(days=1)
    with django_assert_num_queries(1):
        entries = selectors.entries_between(alice, start, day)
    assert len(entries) == 5
    for kind, model in selectors.KINDS.items():
        expected = list(selectors._rows(alice.pk, kind).filter(day__gte=start, day__lte=day))
        found = [e.row for e in entries if e.kind == kind]
        assert sorted(r.pk for r in found) == sorted(r.pk for r in expected), kind
        for row in found:
            orm = next(r for r in expected if r.pk == row.pk)
            for field in model._meta.concrete_fields:
                assert getattr(row, field.attname) == getattr(orm, field.attname), (kind, field.name)
                assert type(getattr(row, field.attname)) is type(getattr(orm, field.attname)), (kind, field.name)
    dose = next(e.row for e in entries if e.kind == "dose")
    assert dose.medication.name == "Example tablet" and dose.medication.user_id == alice.pk
    assert [e.at for e in entries] == sorted((e.at for e in entries), reverse=True)
    with django_assert_num_queries(1):
        assert selectors.entries_between(bob, start - dt.timedelta(days=9), start - dt.timedelta(days=1)) == []


def test_todays_reads_run_together_give_what_each_gives_alone_in_its_order(alice, bob, django_assert_num_queries):
    from tests.factories import IntakeFactory, MedicationFactory
    from tracker.logbook import selectors

    for user in (alice, bob):
        for name in ("Cc", "Aa", "Bb"):
            MedicationFactory(user=user, name=name, regular=True)
        MedicationFactory(user=user, name="Stopped", regular=True, stopped_on=dt.date(2026, 1, 1))
        for n, (volume, beverage) in enumerate([(330, "tea"), (250, "water"), (500, "juice"), (200, "coffee")]):
            IntakeFactory(user=user, taken_at=NOW - dt.timedelta(days=n + 1), volume_ml=volume, beverage=beverage)
    day = diary_day(NOW, alice.zone, alice.day_starts_at)
    CheckInFactory(user=alice, day=day - dt.timedelta(days=1))
    presets = [(250, "water")]
    with django_assert_num_queries(1):
        summary = selectors.today_summary(user=alice, exclude_drinks=presets)
    assert [m["medication"].name for m in summary["regular_medications"]] == ["Aa", "Bb", "Cc"]
    assert {m["medication"].user_id for m in summary["regular_medications"]} == {alice.pk}
    alone = selectors.recent_drinks(user=alice, exclude=presets)
    assert summary["recent_drinks"] == alone
    assert [(d["volume_ml"], d["beverage"]) for d in alone] == [(330, "tea"), (500, "juice"), (200, "coffee")]
    assert summary["has_checkin"] is False and summary["entries"] == []
