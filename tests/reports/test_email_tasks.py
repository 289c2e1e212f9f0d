"""The weekly email through the real pipeline (beat's sweep -> broker -> worker ->
email backend) and the PDF of the print view."""

import datetime as dt
import time

import pytest
import time_machine
from django.core import mail

from tests.factories import EpisodeFactory, IntakeFactory
from tests.reminders.conftest import QUEUES, run_workers
from tests.reports.conftest import local
from tracker.celery import app
from tracker.reports import schedule, services
from tracker.reports.models import ReportSchedule, WeeklySnapshot

# Monday 9 Nov 2026, 06:30 UTC = 07:30 in Berlin: Berlin's week started 30 minutes ago.
MONDAY_MORNING = dt.datetime(2026, 11, 9, 6, 30, tzinfo=dt.UTC)


def _verify(user):
    user.email_verified_at = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    user.save()
    return user


@pytest.mark.django_db
def test_the_report_goes_only_to_a_verified_address_and_only_once(alice):
    with time_machine.travel(MONDAY_MORNING, tick=False):
        EpisodeFactory(user=alice, started_at=local(alice, 2026, 11, 3, 22, 0))
        ReportSchedule.objects.create(user=alice, next_report_at=MONDAY_MORNING, owed_week=dt.date(2026, 11, 2))
        assert schedule.reports_deliver(user_ids=[alice.id]) == 0
        assert mail.outbox == []
        _verify(alice)
        ReportSchedule.objects.filter(user=alice).update(owed_week=dt.date(2026, 11, 2))
        assert schedule.reports_deliver(user_ids=[alice.id]) == 1
        ReportSchedule.objects.filter(user=alice).update(owed_week=dt.date(2026, 11, 2))
        assert schedule.reports_deliver(user_ids=[alice.id]) == 0
    assert len(mail.outbox) == 1


@pytest.mark.parametrize("kind", ["no data", "one day", "years"])
@pytest.mark.django_db
def test_the_email_renders_for_no_data_one_day_and_years(alice, kind):
    from tests.reports.conftest import bulk_diary

    with time_machine.travel(MONDAY_MORNING, tick=False):
        if kind == "one day":
            EpisodeFactory(user=alice, started_at=local(alice, 2026, 11, 3, 22, 0), severity=8)
        elif kind == "years":
            bulk_diary(alice, days=2 * 365, end=dt.date(2026, 11, 8), intakes_per_day=2)
        snapshot = services.weekly_snapshot_get(user=alice, week_start=dt.date(2026, 11, 2))
        message = services.weekly_report_email(user=alice, snapshot=snapshot)
    text = message.body
    html = message.alternatives[0].content
    assert "2–8 Nov 2026" in text and "2–8 Nov 2026" in html
    assert 'src="cid:weekly-chart"' in html
    image = message.attachments[0]
    assert image.get_content_type() == "image/png" and image["Content-ID"] == "<weekly-chart>"
    assert image.get_payload(decode=True).startswith(b"\x89PNG")


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_the_sweep_emails_the_week_through_a_real_worker(alice):
    _verify(alice)
    # Due at Berlin's Monday 07:00, half an hour before the sweep runs.
    ReportSchedule.objects.create(user=alice, next_report_at=MONDAY_MORNING - dt.timedelta(minutes=30))
    with time_machine.travel(MONDAY_MORNING, tick=True):
        EpisodeFactory(user=alice, started_at=local(alice, 2026, 11, 3, 22, 0), severity=7, symptoms=["confusion"])
        IntakeFactory(user=alice, taken_at=local(alice, 2026, 11, 4, 9, 0), volume_ml=1234)
        with run_workers(QUEUES):
            app.send_task("tracker.reports.tasks.weekly_reports_sweep")
            deadline = time.monotonic() + 30
            while not mail.outbox and time.monotonic() < deadline:
                time.sleep(0.2)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["alice@example.com"]
    assert message.subject == "Your cramp and hydration week, 2–8 Nov 2026"
    assert "see a doctor" in message.body
    assert "Cramps: 1 on 1 days" in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html" and "cid:weekly-chart" in html
    raw = message.message().as_string()
    assert "multipart/related" in raw and "Content-ID: <weekly-chart>" in raw
    assert WeeklySnapshot.objects.get(user=alice).emailed_at is not None


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_print_views_pdf_contains_the_weeks_figures(needs_chromium, chromium, live_server, alice):
    import io

    from django.conf import settings
    from django.test import Client
    from pypdf import PdfReader

    now = dt.datetime.now(dt.UTC)
    EpisodeFactory(user=alice, started_at=now - dt.timedelta(days=2), severity=8, duration_seconds=150)
    IntakeFactory(user=alice, taken_at=now - dt.timedelta(days=2), volume_ml=1234)
    client = Client()
    client.force_login(alice)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    context = chromium.new_context()
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}])
    page = context.new_page()
    page.goto(live_server.url + "/reports/print/")
    page.emulate_media(media="print")
    pdf = page.pdf(format="A4")
    context.close()
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "Cramp diary summary" in text
    assert "1,234 ml a day" in text  # the fluid of the one day with drinks logged
    assert "2.5" in text  # minutes cramping
    assert "Show" not in text  # the range form is not printed
