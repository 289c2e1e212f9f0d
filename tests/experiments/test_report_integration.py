"""The experiment in the weekly report, its email and the doctor's summary (the
reports' templates include experiments/_report.html and _report.txt)."""

import datetime as dt

from django.urls import reverse

from tracker.experiments import selectors
from tracker.reports import services as report_services


def _week_of(day: dt.date) -> tuple[str, dt.date]:
    year, week, weekday = day.isocalendar()
    return f"{year}-W{week:02d}", day - dt.timedelta(days=weekday - 1)


def test_the_weekly_page_email_and_print_view_carry_the_experiment(client, bob, past_experiment):
    experiment = past_experiment(bob, seed=2)
    result = selectors.experiment_result(experiment=experiment)
    label, monday = _week_of(experiment.ends_on)
    client.force_login(bob)

    page = client.get(reverse("reports-weekly"), {"week": label}).content.decode()
    assert "Self-experiment: magnesium" in page and result["summary"] in page

    snapshot = report_services.weekly_snapshot_get(user=bob, week_start=monday)
    message = report_services.weekly_report_email(user=bob, snapshot=snapshot)
    assert result["summary"] in message.body
    assert f"http://testserver/experiments/{experiment.pk}/" in message.body
    html = message.alternatives[0][0]
    assert f'href="http://testserver/experiments/{experiment.pk}/"' in html

    # The doctor's summary covers at most 12 weeks: the experiment's last four.
    start = experiment.ends_on - dt.timedelta(days=27)
    printed = client.get(
        reverse("reports-print"), {"start": start.isoformat(), "end": experiment.ends_on.isoformat()}
    ).content.decode()
    assert "Self-experiment: magnesium" in printed and result["summary"] in printed


def test_a_week_before_any_experiment_shows_none(client, bob, past_experiment):
    experiment = past_experiment(bob, seed=2)
    label, _monday = _week_of(experiment.starts_on - dt.timedelta(days=10))
    client.force_login(bob)
    assert "Self-experiment" not in client.get(reverse("reports-weekly"), {"week": label}).content.decode()
