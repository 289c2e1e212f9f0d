import datetime as dt
import random
from zoneinfo import ZoneInfo

import pytest

from accounts.models import Medication
from tracker.diary import diary_day
from tracker.logbook import beverages
from tracker.logbook.models import Activity, CheckIn, Dose, Episode, Intake


def local(user, *args) -> dt.datetime:
    """An aware instant from the user's local wall clock (fold=0)."""
    return dt.datetime(*args, tzinfo=ZoneInfo(user.timezone)).astimezone(dt.UTC)


def bulk_diary(user, *, days: int, end: dt.date, seed: int = 1, intakes_per_day: int = 6) -> None:
    """Years of data fast: rows made with bulk_create, each with its diary day computed
    by the same rule the services use."""
    rng = random.Random(seed)
    zone = ZoneInfo(user.timezone)
    med = Medication.objects.create(user=user, name="Tablet", drug_class="diuretic")
    episodes, intakes, activities, doses, checkins = [], [], [], [], []
    for i in range(days):
        day = end - dt.timedelta(days=i)
        noon = dt.datetime.combine(day, dt.time(12), tzinfo=zone).astimezone(dt.UTC)
        checkins.append(
            CheckIn(user=user, day=day, sitting_hours=rng.choice([4, 9]), sleep_hours=7, stress=rng.randint(1, 5))
        )
        for k in range(intakes_per_day):
            at = noon + dt.timedelta(hours=k - 3)
            volume = rng.choice([200, 250, 330])
            intakes.append(
                Intake(
                    user=user,
                    taken_at=at,
                    day=diary_day(at, zone, user.day_starts_at),
                    volume_ml=volume,
                    beverage="water",
                    effective_ml=beverages.effective_ml(volume_ml=volume, beverage="water"),
                )
            )
        if rng.random() < 0.3:
            at = noon + dt.timedelta(hours=14)
            episodes.append(
                Episode(
                    user=user,
                    started_at=at,
                    day=diary_day(at, zone, user.day_starts_at),
                    duration_seconds=90,
                    muscle="calf",
                    severity=rng.randint(2, 9),
                    context="asleep",
                )
            )
        if rng.random() < 0.3:
            activities.append(
                Activity(user=user, started_at=noon, day=day, duration_minutes=45, kind="running", intensity="vigorous")
            )
        if rng.random() < 0.5:
            doses.append(Dose(user=user, taken_at=noon, day=day, medication=med))
    Episode.objects.bulk_create(episodes)
    Intake.objects.bulk_create(intakes, batch_size=2000)
    Activity.objects.bulk_create(activities)
    Dose.objects.bulk_create(doses)
    CheckIn.objects.bulk_create(checkins)


@pytest.fixture
def verified(alice):
    alice.email_verified_at = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    alice.save()
    return alice
