"""Weekly reports are claimed per user from a next-due instant: a report missed during
an outage goes out late, once; one user's failure is that user's alone, and only the
failed are retried; a broker that refuses the publish loses nothing."""

import datetime as dt
import socket
import time
from zoneinfo import ZoneInfo

import pytest
import redis
import time_machine
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend

from accounts.models import Medication
from tests.conftest import broker_at
from tests.factories import EpisodeFactory, UserFactory
from tests.reminders.conftest import QUEUES, empty_broker, run_workers
from tests.reports.conftest import local
from tracker.reports import schedule
from tracker.reports.models import ReportSchedule, WeeklySnapshot

BERLIN = ZoneInfo("Europe/Berlin")
# Sunday 8 Nov 2026, noon UTC: the week of Monday 2 Nov is nearly over.
SUNDAY_BEFORE = dt.datetime(2026, 11, 8, 12, 0, tzinfo=dt.UTC)
# Monday 9 Nov 2026 07:00 in Berlin.
DUE = dt.datetime(2026, 11, 9, 6, 0, tzinfo=dt.UTC)
WEDNESDAY_AFTER = dt.datetime(2026, 11, 11, 15, 0, tzinfo=dt.UTC)


def _verified(**kwargs):
    user = UserFactory(timezone="Europe/Berlin", email_verified_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC), **kwargs)
    EpisodeFactory(user=user, started_at=local(user, 2026, 11, 3, 22, 0), severity=6)
    return user


def _sweep(now, django_capture_on_commit_callbacks) -> list[int]:
    """The sweep's claim and publish, without a broker: returns the user ids it
    would have handed to the workers."""
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        schedule.weekly_reports_sweep(now=now)
    published = []
    for callback in callbacks:
        published.extend(callback.__defaults__[0])
    return published


class FlakyBackend(EmailBackend):
    """Django's test backend, refusing the addresses in `refuse` as an SMTP server would."""

    refuse: set[str] = set()

    def send_messages(self, messages):
        for message in messages:
            if set(message.to) & self.refuse:
                raise OSError("550 mailbox unavailable")
        return super().send_messages(messages)


@pytest.fixture
def flaky_mail(settings):
    settings.EMAIL_BACKEND = "tests.reports.test_schedule.FlakyBackend"
    FlakyBackend.refuse = set()
    yield FlakyBackend
    FlakyBackend.refuse = set()


def test_each_user_is_due_at_their_local_week_start_seven_oclock_across_dst():
    ny = ZoneInfo("America/New_York")
    # 2 Nov 2026 07:00 EST is 12:00 UTC (the clocks went back on 1 Nov); one week
    # earlier 07:00 EDT was 11:00 UTC.
    assert schedule.report_due_after(
        dt.datetime(2026, 11, 1, 12, 0, tzinfo=dt.UTC), zone=ny, week_starts_on="monday"
    ) == dt.datetime(2026, 11, 2, 12, 0, tzinfo=dt.UTC)
    assert schedule.report_due_after(
        dt.datetime(2026, 10, 25, 0, 0, tzinfo=dt.UTC), zone=ny, week_starts_on="monday"
    ) == dt.datetime(2026, 10, 26, 11, 0, tzinfo=dt.UTC)
    # A Sunday week in Berlin: Sunday 8 Nov 07:00 CET.
    assert schedule.report_due_after(
        dt.datetime(2026, 11, 7, 12, 0, tzinfo=dt.UTC), zone=BERLIN, week_starts_on="sunday"
    ) == dt.datetime(2026, 11, 8, 6, 0, tzinfo=dt.UTC)
    # At the very instant it is due, the next one is a week later.
    assert schedule.report_due_after(DUE, zone=BERLIN, week_starts_on="monday") == DUE + dt.timedelta(days=7)
    # Owed at and after the due instant: the week that just ended; just before it, the one before.
    assert schedule.report_week_owed(DUE, zone=BERLIN, week_starts_on="monday") == dt.date(2026, 11, 2)
    assert schedule.report_week_owed(WEDNESDAY_AFTER, zone=BERLIN, week_starts_on="monday") == dt.date(2026, 11, 2)
    assert schedule.report_week_owed(DUE - dt.timedelta(minutes=1), zone=BERLIN, week_starts_on="monday") == dt.date(
        2026, 10, 26
    )


@pytest.mark.django_db
def test_a_report_missed_during_an_outage_is_sent_late_and_once(django_capture_on_commit_callbacks):
    alice = _verified(email="alice@example.com")
    with time_machine.travel(SUNDAY_BEFORE, tick=False):
        assert _sweep(SUNDAY_BEFORE, django_capture_on_commit_callbacks) == []
    assert ReportSchedule.objects.get(user=alice).next_report_at == DUE
    # No sweep ran on Monday (beat and workers down). Wednesday it runs again:
    with time_machine.travel(WEDNESDAY_AFTER, tick=False):
        published = _sweep(WEDNESDAY_AFTER, django_capture_on_commit_callbacks)
        assert published == [alice.id]
        assert schedule.reports_deliver(user_ids=published) == 1
        # The chunk delivered again (a redelivered message) and later sweeps send nothing.
        assert schedule.reports_deliver(user_ids=published) == 0
        assert _sweep(WEDNESDAY_AFTER + dt.timedelta(hours=2), django_capture_on_commit_callbacks) == []
    assert len(mail.outbox) == 1
    assert "2–8 Nov 2026" in mail.outbox[0].subject
    row = ReportSchedule.objects.get(user=alice)
    assert row.owed_week is None and row.last_sent_week == dt.date(2026, 11, 2)
    assert row.next_report_at == DUE + dt.timedelta(days=7)


@pytest.mark.django_db
def test_a_due_row_is_claimed_once_however_often_the_sweep_runs():
    alice = _verified()
    ReportSchedule.objects.create(user=alice, next_report_at=DUE)
    now = DUE + dt.timedelta(minutes=5)
    assert schedule.reports_claim(now=now) == 1
    assert schedule.reports_claim(now=now) == 0
    assert schedule.reports_claim(now=now + dt.timedelta(days=6)) == 0
    row = ReportSchedule.objects.get(user=alice)
    assert row.owed_week == dt.date(2026, 11, 2) and row.next_report_at == DUE + dt.timedelta(days=7)


@pytest.mark.django_db
def test_one_users_failure_cancels_nobody_elses_report_and_only_it_is_retried(
    flaky_mail, django_capture_on_commit_callbacks
):
    users = [_verified(email=f"user{i}@example.com") for i in range(3)]
    for user in users:
        ReportSchedule.objects.create(user=user, next_report_at=DUE)
    flaky_mail.refuse = {"user1@example.com"}
    now = DUE + dt.timedelta(minutes=3)
    with time_machine.travel(now, tick=False):
        published = _sweep(now, django_capture_on_commit_callbacks)
        assert sorted(published) == sorted(u.id for u in users)
        assert schedule.reports_deliver(user_ids=published) == 2
    assert sorted(m.to[0] for m in mail.outbox) == ["user0@example.com", "user2@example.com"]
    failed = ReportSchedule.objects.get(user=users[1])
    assert failed.owed_week == dt.date(2026, 11, 2) and failed.attempts == 1
    assert failed.last_error.startswith("OSError")
    assert WeeklySnapshot.objects.get(user=users[1]).emailed_at is None  # the claim was released
    # Before its backoff nothing is published; after it, only the failed user.
    assert _sweep(now + dt.timedelta(minutes=10), django_capture_on_commit_callbacks) == []
    flaky_mail.refuse = set()
    later = now + dt.timedelta(minutes=16)
    with time_machine.travel(later, tick=False):
        retried = _sweep(later, django_capture_on_commit_callbacks)
        assert retried == [users[1].id]
        assert schedule.reports_deliver(user_ids=retried) == 1
    assert sorted(m.to[0] for m in mail.outbox) == [f"user{i}@example.com" for i in range(3)]


@pytest.mark.django_db
def test_a_report_that_keeps_failing_is_given_up_after_the_last_attempt(flaky_mail, django_capture_on_commit_callbacks):
    alice = _verified(email="alice@example.com")
    ReportSchedule.objects.create(user=alice, next_report_at=DUE)
    flaky_mail.refuse = {"alice@example.com"}
    now = DUE
    for attempt in range(1, schedule.MAX_ATTEMPTS + 1):
        with time_machine.travel(now, tick=False):
            assert _sweep(now, django_capture_on_commit_callbacks) == [alice.id], attempt
            schedule.reports_deliver(user_ids=[alice.id])
        now += schedule.BACKOFF * 2**attempt
    row = ReportSchedule.objects.get(user=alice)
    assert row.attempts == schedule.MAX_ATTEMPTS and row.owed_week is None
    assert _sweep(now, django_capture_on_commit_callbacks) == []
    assert mail.outbox == []


@pytest.mark.django_db
def test_a_medication_dated_in_year_1_is_refused_and_one_stored_earlier_breaks_no_report(alice, alice_api):
    for field in ("started_on", "stopped_on"):
        response = alice_api.post(
            "/api/v1/medications/", {"name": "Tablet", "drug_class": "statin", field: "0001-01-01"}, format="json"
        )
        assert response.status_code == 400, response.content
        assert field in response.json()
    far = alice_api.post(
        "/api/v1/medications/", {"name": "Tablet", "drug_class": "statin", "started_on": "9999-12-31"}, format="json"
    )
    assert far.status_code == 400
    # A row stored before the check (or by the shell) must not break the reports.
    Medication.objects.create(user=alice, name="Old", drug_class="statin", started_on=dt.date(1, 1, 1))
    assert alice_api.get("/api/v1/reports/weekly/").status_code == 200
    from django.test import Client

    browser = Client()
    browser.force_login(alice)
    assert browser.get("/reports/weekly/").status_code == 200
    assert browser.get("/reports/print/").status_code == 200


def _refused_broker_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"redis://127.0.0.1:{port}/0"


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_broker_that_refuses_the_publish_delays_the_report_and_loses_nothing(needs_redis, needs_postgres, settings):
    from tracker.celery import app

    alice = _verified(email="alice@example.com")
    ReportSchedule.objects.create(user=alice, next_report_at=DUE)
    now = DUE + dt.timedelta(minutes=2)
    empty_broker()
    # broker_at: setting app.conf.broker_url alone kept publishing to the healthy broker.
    with broker_at(_refused_broker_url()), time_machine.travel(now, tick=False):
        assert schedule.weekly_reports_sweep(now=now) == 1  # handed over, and refused
    assert redis.Redis.from_url(app.conf.broker_url).llen("celery") == 0  # nothing reached the real one
    row = ReportSchedule.objects.get(user=alice)
    assert row.owed_week == dt.date(2026, 11, 2) and mail.outbox == []
    # The broker is back; the next sweep after the lease publishes it to a real worker.
    later = now + schedule.LEASE + dt.timedelta(minutes=1)
    with (
        time_machine.travel(later, tick=True),
        run_workers(QUEUES),
    ):
        app.send_task("tracker.reports.tasks.weekly_reports_sweep")
        deadline = time.monotonic() + 30
        while not mail.outbox and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(0.5)
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["alice@example.com"]
    assert ReportSchedule.objects.get(user=alice).owed_week is None
