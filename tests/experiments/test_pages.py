import datetime as dt

import time_machine
from django.urls import reverse

from reminders.models import Notification
from tracker.experiments import design, selectors, services
from tracker.experiments.models import Adherence, Experiment


def _start(user, **kwargs):
    return services.experiment_start(user=user, intervention="magnesium", block_days=7, **kwargs)


def test_the_page_offers_changes_a_person_controls_and_sends_medicines_to_the_doctor(client, bob):
    client.force_login(bob)
    page = client.get(reverse("experiments")).content.decode()
    assert "Magnesium" in page and "Calf stretches before bed" in page
    assert "plan any change to a medicine with your doctor" in page
    assert reverse("reports-print") in page
    for medicine_word in ("statin", "diuretic", "quinine"):
        assert medicine_word not in page.lower()


def test_starting_from_the_page_shows_the_schedule(client, bob):
    client.force_login(bob)
    today = services.user_today(bob)
    response = client.post(
        reverse("experiments"),
        {
            "intervention": "calf_stretches",
            "label": "",
            "block_days": "14",
            "pairs": "3",
            "run_in_days": "14",
            "washout_days": "3",
            "starts_on": today.isoformat(),
        },
        follow=True,
    )
    page = response.content.decode()
    experiment = Experiment.objects.get(user=bob)
    assert response.redirect_chain[-1][0] == reverse("experiment-detail", args=[experiment.pk])
    assert "Experiment: calf stretches before bed" in page
    assert page.count("Pair ") >= 6 and "Run-in" in page
    assert f"seed {experiment.seed}" in page
    assert "p can never go below 0.125" in page


def test_a_bad_form_is_a_400_with_the_message(client, bob):
    client.force_login(bob)
    response = client.post(
        reverse("experiments"),
        {"intervention": "custom", "block_days": "7", "pairs": "3", "run_in_days": "14", "washout_days": "3",
         "starts_on": services.user_today(bob).isoformat()},
    )  # fmt: skip
    assert response.status_code == 400
    assert "Name the change you want to test." in response.content.decode()


def test_today_shows_the_block_and_takes_the_adherence_tick(client, bob):
    # Bob (New York) started 16 diary days ago: the run-in is over and the first
    # block is on its third day.
    today = services.user_today(bob)
    experiment = _start(bob, starts_on=today - dt.timedelta(days=16), today=today - dt.timedelta(days=16))
    block = experiment.block_on(today)
    client.force_login(bob)
    page = client.get(reverse("today")).content.decode()
    assert f"Experiment: magnesium — {block.arm.upper()} this week (day 3 of 7)" in page
    assert experiment.instruction(block) in page
    assert "washout" in page  # day 3 of a block with a 3-day washout

    response = client.post(reverse("experiment-adherence"), {"followed": "yes", "next": reverse("today")})
    assert response.status_code == 302 and response["Location"] == reverse("today")
    assert Adherence.objects.get(user=bob).followed is True
    client.post(reverse("experiment-adherence"), {"followed": "no", "next": "https://evil.example.com/"})
    assert Adherence.objects.get(user=bob).followed is False  # one answer per day, changed
    assert "You said no" in client.get(reverse("checkin")).content.decode()


def test_today_asks_about_yesterday_until_it_is_answered(client, bob):
    # The plan is followed at night and answered next morning: yesterday (day 2 of the
    # first block) is asked beside today while it has no answer.
    today = services.user_today(bob)
    yesterday = today - dt.timedelta(days=1)
    experiment = _start(bob, starts_on=today - dt.timedelta(days=16), today=today - dt.timedelta(days=16))
    arm = experiment.block_on(yesterday).arm.upper()
    client.force_login(bob)
    question = f"And yesterday, {yesterday:%A} {yesterday.day} {yesterday:%B} ({arm}): did you follow the plan?"
    assert question in client.get(reverse("today")).content.decode()

    client.post(reverse("experiment-adherence"), {"followed": "yes", "day": yesterday.isoformat(), "next": "/"})
    assert list(Adherence.objects.filter(user=bob).values_list("day", "followed")) == [(yesterday, True)]
    page = client.get(reverse("today")).content.decode()
    assert "And yesterday" not in page and "Did you follow the plan today?" in page


def test_yesterday_in_the_run_in_is_not_asked(client, bob):
    today = services.user_today(bob)
    _start(bob, starts_on=today - dt.timedelta(days=14), today=today - dt.timedelta(days=14))  # today: block 1, day 1
    client.force_login(bob)
    page = client.get(reverse("today")).content.decode()
    assert "Did you follow the plan today?" in page and "And yesterday" not in page


def test_today_in_the_run_in_asks_for_no_tick(client, bob):
    _start(bob)
    client.force_login(bob)
    page = client.get(reverse("today")).content.decode()
    assert "Experiment: magnesium — run-in (day 1 of 14)" in page
    assert "Did you follow the plan today?" not in page


def test_today_without_an_experiment_shows_nothing_of_it(client, bob):
    client.force_login(bob)
    assert "Experiment:" not in client.get(reverse("today")).content.decode()


def test_an_adherence_tick_outside_an_on_off_block_is_refused(client, bob):
    _start(bob)  # in the run-in
    client.force_login(bob)
    response = client.post(reverse("experiment-adherence"), {"followed": "yes"}, follow=True)
    assert "No on/off block of an experiment runs on this day." in response.content.decode()
    assert not Adherence.objects.exists()


def test_stopping_from_the_page(client, bob):
    experiment = _start(bob)
    client.force_login(bob)
    response = client.post(reverse("experiment-stop", args=[experiment.pk]), follow=True)
    assert "You stopped the experiment with magnesium" in response.content.decode()
    experiment.refresh_from_db()
    assert experiment.stopped_on == services.user_today(bob)
    assert "Experiment:" not in client.get(reverse("today")).content.decode()


def test_another_users_experiment_page_is_a_404(client, alice, bob):
    experiment = _start(bob)
    client.force_login(alice)
    assert client.get(reverse("experiment-detail", args=[experiment.pk])).status_code == 404
    assert client.post(reverse("experiment-stop", args=[experiment.pk])).status_code == 404
    experiment.refresh_from_db()
    assert experiment.stopped_at is None


def test_each_block_start_brings_one_notice_with_its_instruction(bob):
    # 12:00 UTC on 26 Oct 2026 is 08:00 in New York: the experiment starts that day.
    with time_machine.travel(dt.datetime(2026, 10, 26, 12, tzinfo=dt.UTC), tick=False):
        experiment = _start(bob)
        assert services.block_notices_send() == 1
        assert services.block_notices_send() == 0  # the same block: once
    run_in = Notification.objects.get(user=bob)
    assert run_in.title == "Experiment: magnesium — the run-in starts today (14 days)"
    first = experiment.blocks[1]
    # Just after midnight New York time on the first block's day is still the day
    # before (day start 04:00): no notice yet. After 04:00 local, the notice.
    with time_machine.travel(dt.datetime.combine(first.starts_on, dt.time(6, 0), dt.UTC), tick=False):
        assert services.block_notices_send() == 0
    with time_machine.travel(dt.datetime.combine(first.starts_on, dt.time(9, 30), dt.UTC), tick=False):
        assert services.block_notices_send() == 1
        assert services.block_notices_send() == 0
    notice = Notification.objects.filter(user=bob).first()
    assert notice.title == f"Experiment: magnesium — {first.arm.upper()} from today, for 7 days"
    assert notice.body == experiment.instruction(first)
    assert notice.actions == [{"label": "See the schedule", "url": reverse("experiment-detail", args=[experiment.pk])}]


def test_a_stopped_experiment_sends_no_more_notices(bob):
    with time_machine.travel(dt.datetime(2026, 10, 26, 12, tzinfo=dt.UTC), tick=False):
        experiment = _start(bob)
        services.experiment_stop(experiment=experiment)
    with time_machine.travel(dt.datetime.combine(experiment.blocks[1].starts_on, dt.time(12), dt.UTC), tick=False):
        assert services.block_notices_send() == 0
    assert not Notification.objects.filter(user=bob).exists()


def test_the_export_holds_the_experiment_and_its_seed(client, bob):
    experiment = _start(bob)
    from accounts.services import user_export

    data = user_export(user=bob)
    (row,) = data["experiments.experiment"]
    assert row["seed"] == experiment.seed and row["on_first"] == experiment.on_first
    assert design.draw_order(row["seed"], row["pairs"]) == row["on_first"]


def test_the_report_panels_show_an_overlapping_experiment_with_its_result(bob, past_experiment):
    from django.template.loader import render_to_string

    experiment = past_experiment(bob, seed=2)
    result = selectors.experiment_result(experiment=experiment)
    week = {"report_start": experiment.ends_on - dt.timedelta(days=6), "report_end": experiment.ends_on.isoformat()}
    html = render_to_string("experiments/_report.html", {"user": bob, **week})
    assert "Self-experiment: magnesium" in html and result["summary"] in html
    assert f'href="/experiments/{experiment.pk}/"' in html
    text = render_to_string("experiments/_report.txt", {"user": bob, **week})
    assert result["summary"] in text and f"Details: http://testserver/experiments/{experiment.pk}/" in text
    before = {"report_start": "2020-01-06", "report_end": "2020-01-12"}
    assert "Self-experiment" not in render_to_string("experiments/_report.html", {"user": bob, **before})


def test_experiment_pages_and_today_run_the_same_queries_for_few_and_many_rows(client, bob):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import CheckInFactory, EpisodeFactory

    today = services.user_today(bob)
    experiment = _start(bob, starts_on=today - dt.timedelta(days=30), today=today - dt.timedelta(days=30))
    services.adherence_record(user=bob, followed=True)
    client.force_login(bob)
    urls = [
        reverse("today"),
        reverse("checkin"),
        reverse("experiments"),
        reverse("experiment-detail", args=[experiment.pk]),
    ]

    def counts():
        found = []
        for url in urls:
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(url).status_code == 200
            found.append(len(ctx.captured_queries))
        return found

    CheckInFactory(user=bob, day=today - dt.timedelta(days=20))
    counts()  # the first page of a session also sets up the reminder plan
    few = counts()
    for i in range(1, 30):
        if i != 20:
            CheckInFactory(user=bob, day=today - dt.timedelta(days=i))
        EpisodeFactory(user=bob, started_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=i, hours=2))
    for i in range(10):
        Experiment.objects.create(
            user=bob, intervention="potassium", starts_on=dt.date(2025, 1, 1), block_days=7, seed=i,
            on_first=[True, False, True], stopped_at=dt.datetime(2025, 2, 1, tzinfo=dt.UTC),
            stopped_on=dt.date(2025, 2, 1),
        )  # fmt: skip
    assert counts() == few


def test_the_block_notice_task_is_on_the_beat_schedule(settings):
    from tracker.celery import app

    app.loader.import_default_modules()  # what a worker does at start: autodiscovery
    entry = settings.CELERY_BEAT_SCHEDULE["experiments-block-notices"]
    assert entry["task"] in app.tasks
    assert entry["schedule"] <= 3600  # a block's notice comes within the hour of its start
