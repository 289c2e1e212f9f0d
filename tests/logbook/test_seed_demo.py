import datetime as dt
from collections import defaultdict
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.db.models import Sum

from accounts.models import User
from tracker.logbook import selectors
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
    assert min(days) == dt.date(2026, 9, 15)  # eight weeks before 10 November
    for model in (Intake, Episode, Activity, Dose, CheckIn):
        assert model.objects.filter(user=user).exists(), model
    assert len(set(Intake.objects.filter(user=user).values_list("beverage", flat=True))) >= 6
    assert not Intake.objects.filter(user=user, taken_at__gt=NOW).exists()
    # The account is as old as its diary, so History may ask for any check-in it lacks.
    assert selectors.today_of(user, user.date_joined) < min(days)


# Hydration per ml of each beverage the demo logs, from Maughan et al. 2016 (Am J Clin
# Nutr 103:717) as README's beverage table gives them: milk 1.50 and orange juice 1.39
# rounded to one decimal; coffee, tea, cola and 4 % lager about as water; soup taken as
# water (not in the study); wine less than water for its alcohol.
HYDRATION = {"water": 1.0, "coffee": 1.0, "tea": 1.0, "soda": 1.0, "beer": 1.0, "soup": 1.0, "milk": 1.5}
HYDRATION |= {"juice": 1.4, "wine": 0.8, "electrolyte_drink": 1.1}  # sports drink 1.13
LONDON = ZoneInfo("Europe/London")


def _diary_date(instant: dt.datetime) -> dt.date:
    # Read off London's wall clock: before 04:00 (the default day start) it is still the
    # evening before.
    local = instant.astimezone(LONDON)
    return local.date() - dt.timedelta(days=1) if local.hour < 4 else local.date()


def test_the_demo_diary_days_and_effective_fluid_match_a_hand_reading(seeded):
    user, _ = seeded
    assert user.day_starts_at == dt.time(4, 0)
    intakes = list(Intake.objects.filter(user=user))
    for intake in intakes:
        assert intake.day == _diary_date(intake.taken_at), intake.taken_at
        # Whole ml, halves rounded up (every demo volume is a whole ml, factors one decimal).
        assert intake.effective_ml == int(intake.volume_ml * HYDRATION[intake.beverage] + 0.5), intake.beverage
    assert {i.beverage for i in intakes} <= set(HYDRATION)
    for episode in Episode.objects.filter(user=user):
        assert episode.day == _diary_date(episode.started_at), episode.started_at
    # Two rows worked by hand: a 175 ml glass of wine counts 140 ml; a late cramp in
    # British summer time (UTC+1) lands on the evening before.
    wine = next(i for i in intakes if i.beverage == "wine" and i.volume_ml == 175)
    assert wine.effective_ml == 140
    assert _diary_date(dt.datetime(2026, 10, 1, 2, 30, tzinfo=dt.UTC)) == dt.date(2026, 9, 30)  # 03:30 local


def test_cramps_come_mostly_on_dehydrated_days(seeded):
    user, _ = seeded
    effective = defaultdict(int, Intake.objects.filter(user=user).values_list("day").annotate(ml=Sum("effective_ml")))
    cramp_days = set(Episode.objects.filter(user=user).values_list("day", flat=True))
    observed = cramp_days | set(CheckIn.objects.filter(user=user).values_list("day", flat=True))
    # Low: under 60 % of the demo's goal, 70 kg x 30 ml = 2,100 ml, i.e. under 1,260 ml.
    assert user.goal_ml == 2100
    low = {day for day in observed if effective[day] < 1260}
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
