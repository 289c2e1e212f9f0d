import datetime as dt
from collections import defaultdict

import pytest
import time_machine
from django.core.management import call_command
from django.db.models import Sum

from accounts.models import User
from tracker.diary import diary_day
from tracker.logbook import beverages
from tracker.logbook.models import Activity, CheckIn, Dose, Episode, Intake

NOW = dt.datetime(2026, 11, 10, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def seeded(db, capsys):
    with time_machine.travel(NOW, tick=False):
        call_command("seed_demo")
    return User.objects.get(email="demo@example.com"), capsys.readouterr().out


def test_it_prints_the_demo_login_and_the_password_works(seeded):
    user, out = seeded
    line = next(line for line in out.splitlines() if line.startswith("Demo login: "))
    email, password = line.removeprefix("Demo login: ").split(" / ")
    assert email == "demo@example.com"
    assert user.check_password(password)
    assert user.timezone == "Europe/London"


def test_it_fills_eight_weeks_with_every_kind_of_row(seeded):
    user, _ = seeded
    days = set(Intake.objects.filter(user=user).values_list("day", flat=True))
    assert min(days) == dt.date(2026, 11, 10) - dt.timedelta(weeks=8)
    for model in (Intake, Episode, Activity, Dose, CheckIn):
        assert model.objects.filter(user=user).exists(), model
    assert len(set(Intake.objects.filter(user=user).values_list("beverage", flat=True))) >= 6
    assert not Intake.objects.filter(user=user, taken_at__gt=NOW).exists()


def test_stored_days_and_effective_fluid_are_computed_as_the_services_would(seeded):
    user, _ = seeded
    for intake in Intake.objects.filter(user=user):
        assert intake.day == diary_day(intake.taken_at, user.zone, user.day_starts_at)
        assert intake.effective_ml == beverages.effective_ml(volume_ml=intake.volume_ml, beverage=intake.beverage)
    for episode in Episode.objects.filter(user=user):
        assert episode.day == diary_day(episode.started_at, user.zone, user.day_starts_at)


def test_cramps_come_mostly_on_dehydrated_days(seeded):
    user, _ = seeded
    effective = defaultdict(int, Intake.objects.filter(user=user).values_list("day").annotate(ml=Sum("effective_ml")))
    cramp_days = set(Episode.objects.filter(user=user).values_list("day", flat=True))
    observed = cramp_days | set(CheckIn.objects.filter(user=user).values_list("day", flat=True))
    low = {day for day in observed if effective[day] < 0.6 * user.goal_ml}
    rate_low = len(low & cramp_days) / len(low)
    rate_other = len((observed - low) & cramp_days) / len(observed - low)
    assert len(low) >= 10
    assert rate_low >= 0.6
    assert rate_low >= 3 * rate_other


def test_the_data_are_the_same_every_run(seeded):
    user, _ = seeded
    first = list(Intake.objects.filter(user=user).order_by("taken_at").values_list("taken_at", "volume_ml", "beverage"))
    with time_machine.travel(NOW, tick=False):
        call_command("seed_demo")
    user = User.objects.get(email="demo@example.com")
    again = list(Intake.objects.filter(user=user).order_by("taken_at").values_list("taken_at", "volume_ml", "beverage"))
    assert again == first


def test_if_missing_keeps_an_existing_account_and_still_prints_the_login(seeded, capsys):
    user, _ = seeded
    count = Intake.objects.filter(user=user).count()
    call_command("seed_demo", "--if-missing")
    assert "Demo login: demo@example.com / " in capsys.readouterr().out
    assert User.objects.get(email="demo@example.com").pk == user.pk
    assert Intake.objects.filter(user=user).count() == count
