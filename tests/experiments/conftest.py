import datetime as dt

import pytest

from tests.experiments.diary_sim import simulate
from tests.factories import CheckInFactory, EpisodeFactory
from tests.web.conftest import browser_context, viewport, web_page  # noqa: F401 (the browser fixtures, shared)
from tracker.diary import local_to_utc
from tracker.experiments import design, services


def plant_diary(user, logged) -> None:
    """Turn simulated logged days into real rows through the logbook services: a
    check-in for every logged day, and each cramp as an episode at 02:30 local time
    (a night cramp, which belongs to the diary day before: so it is logged on the
    next calendar day)."""
    for day, row in sorted(logged.items()):
        CheckInFactory(user=user, day=day, no_cramps=row.cramps == 0)
        for i in range(row.cramps):
            at = local_to_utc(dt.datetime.combine(day + dt.timedelta(days=1), dt.time(2, 30 + i)), user.zone)
            EpisodeFactory(
                user=user,
                started_at=at,
                context="asleep" if row.night else "resting",
                severity=5,
            )


@pytest.fixture
def past_experiment(monkeypatch):
    """An experiment that started long enough ago to be over, with a simulated diary
    in which the "on" blocks halve the cramps."""

    def make(user, *, block_days=14, effect=0.5, seed=0, weeks_ago=None, logged_share=0.9):
        today = services.user_today(user)
        length = 14 + 6 * block_days
        starts_on = today - dt.timedelta(days=weeks_ago * 7 if weeks_ago else length + 2)
        # A fixed block order, so the simulated diary (and the verdict) is the same every run.
        monkeypatch.setattr(design, "new_seed", lambda: 2026 + seed)
        experiment = services.experiment_start(
            user=user, intervention="magnesium", block_days=block_days, starts_on=starts_on, today=starts_on
        )
        logged = simulate(experiment.blocks, seed=seed, per_week=4, effect=effect, logged_share=logged_share)
        plant_diary(user, {d: r for d, r in logged.items() if d < today})
        return experiment

    return make
