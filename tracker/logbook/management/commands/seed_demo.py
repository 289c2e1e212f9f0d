"""A demo account with eight weeks of realistic data, the same every time (fixed
seed), so a newcomer sees a living app at once.

The data plant one clear link for the reports to find: cramps come mostly on nights
of diary days when the user drank under 60% of their goal ("low_fluid"), and a
little more often on the day after one.
"""

import datetime as dt
import os
import random
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from accounts.models import Medication, User
from tracker.diary import diary_day, local_to_utc
from tracker.logbook import beverages
from tracker.logbook.models import Activity, CheckIn, Dose, Episode, Intake
from tracker.logbook.services import episode_at_night

DEMO_EMAIL = "demo@example.com"
DEMO_TIMEZONE = "Europe/London"
DEMO_WEEKS = 8
SEED = 20261026
BODY_WEIGHT_KG = Decimal("70.0")  # suggested goal: 70 kg x 30 ml = 2,100 ml
LOW_FLUID_SHARE = 0.6


def demo_password() -> str:
    return os.environ.get("DEMO_PASSWORD", "cramp-demo-2026")


# (beverage, usual volume in ml) by part of the day.
MORNING = [("coffee", 250), ("tea", 250), ("water", 300), ("juice", 200), ("milk", 200)]
DAYTIME = [("water", 500), ("water", 330), ("tea", 250), ("coffee", 200), ("soda", 330), ("water", 250)]
EVENING = [("water", 250), ("tea", 250), ("soup", 300), ("beer", 500), ("wine", 175), ("milk", 200)]


class Command(BaseCommand):
    help = "Create the demo account (demo@example.com) with eight weeks of data from a fixed seed."

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-missing", action="store_true", help="Leave an existing demo account as it is (just print the login)."
        )

    def handle(self, *args, if_missing=False, **options):
        existing = User.objects.filter(email=DEMO_EMAIL).first()
        if existing and if_missing:
            self.stdout.write(f"Demo login: {DEMO_EMAIL} / {demo_password()}")
            return
        with transaction.atomic():
            if existing:
                existing.delete()
            counts = seed_demo(now=timezone.now())
        self.stdout.write(
            "Demo data: " + ", ".join(f"{n} {name}" for name, n in counts.items()) + f" over {DEMO_WEEKS} weeks."
        )
        self.stdout.write(f"Demo login: {DEMO_EMAIL} / {demo_password()}")


def seed_demo(*, now: dt.datetime) -> dict[str, int]:
    rng = random.Random(SEED)
    # Its own stream, so adding the supplement leaves the planted cramp pattern as it was.
    supplement_rng = random.Random(SEED + 1)
    zone = ZoneInfo(DEMO_TIMEZONE)
    user = User.objects.create_user(
        DEMO_EMAIL,
        demo_password(),
        timezone=DEMO_TIMEZONE,
        body_weight_kg=BODY_WEIGHT_KG,
        email_verified_at=now,
        date_joined=now - dt.timedelta(weeks=DEMO_WEEKS, days=1),  # the day before its diary begins
    )
    goal = user.goal_ml
    today = diary_day(now, zone, user.day_starts_at)
    days = [today - dt.timedelta(days=n) for n in range(DEMO_WEEKS * 7, 0, -1)]
    medication = Medication.objects.create(
        user=user,
        name="Cholesterol tablet",
        drug_class="statin",
        regular=True,
        started_on=days[0] + dt.timedelta(days=20),
    )
    # A supplement taken on some evenings, with its amount: its own factor in the reports.
    magnesium = Medication.objects.create(user=user, name="Magnesium citrate", drug_class="magnesium")

    def at(day: dt.date, hour: float) -> dt.datetime:
        """A local wall time on `day` (hours past 24 fall on the next calendar date)."""
        minutes = round(hour * 60)
        naive = dt.datetime.combine(day, dt.time()) + dt.timedelta(minutes=minutes)
        return local_to_utc(naive, zone)

    intakes, episodes, activities, doses, checkins = [], [], [], [], []

    def drink(instant: dt.datetime, beverage: str, volume: int) -> int:
        intakes.append(
            Intake(
                user=user,
                taken_at=instant,
                day=diary_day(instant, zone, user.day_starts_at),
                volume_ml=volume,
                beverage=beverage,
                effective_ml=beverages.effective_ml(volume_ml=volume, beverage=beverage),
                alcohol_units=beverages.alcohol_units(volume_ml=volume, beverage=beverage),
                sodium_mg=rng.choice([300, 450, 500]) if beverage == "electrolyte_drink" else None,
            )
        )
        return intakes[-1].effective_ml

    previous_low = False
    for day in days:
        weekend = day.weekday() >= 5
        # About one day in three is a busy day with too little to drink.
        low = rng.random() < 0.35
        target = goal * (rng.uniform(0.35, 0.55) if low else rng.uniform(0.8, 1.25))
        effective = 0
        alcohol = Decimal("0")
        hour = rng.uniform(7.0, 8.5) if not weekend else rng.uniform(8.0, 9.5)
        while effective < target and hour < 22.5:
            menu = MORNING if hour < 10 else DAYTIME if hour < 18 else EVENING
            beverage, volume = rng.choice(menu)
            if beverage in ("beer", "wine") and rng.random() < 0.6:
                beverage, volume = "water", 250
            volume = max(100, min(volume + rng.choice([-50, 0, 0, 50]), 750))
            if (
                low
                and effective + beverages.effective_ml(volume_ml=volume, beverage=beverage) >= LOW_FLUID_SHARE * goal
            ):
                break  # keep a dehydrated day under the report's 60% line
            effective += drink(at(day, hour), beverage, volume)
            alcohol += intakes[-1].alcohol_units
            hour += rng.uniform(1.0, 2.5) if not low else rng.uniform(2.0, 4.0)

        exercised = rng.random() < (0.5 if weekend else 0.35)
        if exercised:
            kind, intensity = rng.choice(
                [("walking", "light"), ("running", "vigorous"), ("cycling", "moderate"), ("gardening", "light")]
            )
            start = at(day, rng.choice([7.5, 12.5, 17.5, 18.5]))
            sweating = intensity == "vigorous" and rng.random() < 0.7
            activities.append(
                Activity(
                    user=user,
                    started_at=start,
                    day=diary_day(start, zone, user.day_starts_at),
                    duration_minutes=rng.choice([20, 30, 45, 60]),
                    kind=kind,
                    intensity=intensity,
                    heavy_sweating=sweating,
                )
            )
            if sweating:
                drink(start + dt.timedelta(minutes=70), "electrolyte_drink", 500)

        if medication.started_on <= day:
            dose_at = at(day, 8.0 + rng.uniform(-0.3, 0.5))
            doses.append(
                Dose(
                    user=user, taken_at=dose_at, day=diary_day(dose_at, zone, user.day_starts_at), medication=medication
                )
            )
        if supplement_rng.random() < 0.4:
            dose_at = at(day, 21.5 + supplement_rng.uniform(-0.5, 0.5))
            doses.append(
                Dose(
                    user=user,
                    taken_at=dose_at,
                    day=diary_day(dose_at, zone, user.day_starts_at),
                    medication=magnesium,
                    amount=Decimal("300"),
                    amount_unit="mg",
                )
            )

        # Night cramps, logged between 01:00 and 03:45 the next morning: still this diary day.
        cramp_chance = 0.8 if low else 0.25 if previous_low else 0.06
        cramped = False
        if rng.random() < cramp_chance:
            start = at(day, 24 + rng.uniform(1.0, 3.75))
            if start <= now:
                cramped = True
                episodes.append(
                    Episode(
                        user=user,
                        started_at=start,
                        day=diary_day(start, zone, user.day_starts_at),
                        duration_seconds=rng.choice([30, 45, 60, 90, 120, 180, 300]),
                        muscle=rng.choice(["calf", "calf", "calf", "foot", "hamstring"]),
                        side=rng.choice(["left", "right", "left", "both"]),
                        severity=rng.randint(4, 8) if low else rng.randint(2, 6),
                        context="asleep",
                        relief=rng.sample(["stretching", "massage", "walking", "water"], k=rng.randint(1, 2)),
                        sleep_disturbed=rng.random() < 0.7,
                        at_night=episode_at_night(user=user, started_at=start, context="asleep"),
                    )
                )
        if rng.random() < 0.05:
            start = at(day, rng.uniform(18.5, 19.5))
            cramped = True
            episodes.append(
                Episode(
                    user=user,
                    started_at=start,
                    day=diary_day(start, zone, user.day_starts_at),
                    duration_seconds=rng.choice([20, 40, 60]),
                    muscle="calf",
                    side="right",
                    severity=rng.randint(2, 5),
                    context="after_exercise" if exercised else "sitting",
                    relief=["stretching"],
                )
            )

        if rng.random() < 0.9:  # some days go unlogged, as in real life
            checkins.append(
                CheckIn(
                    user=user,
                    day=day,
                    no_cramps=not cramped,
                    sitting_hours=Decimal(rng.choice([3, 4, 6, 8, 9, 10]) if not weekend else rng.choice([2, 3, 4])),
                    standing_hours=Decimal(rng.choice([1, 2, 3, 4])),
                    sleep_hours=Decimal(str(round(rng.uniform(5.5, 8.5) * 2) / 2)),
                    fatigue=rng.randint(2, 5) if low else rng.randint(1, 3),
                    stress=rng.randint(1, 5),
                    alcohol_units=alcohol.quantize(Decimal("0.1")),
                    hot_environment=rng.random() < 0.1,
                    illness=["diarrhoea"] if rng.random() < 0.02 else [],
                    potassium_rich_servings=rng.randint(0, 3),
                    uncomfortable_shoes=not weekend and rng.random() < 0.15,
                    dehydration_signs=rng.sample(["dry_mouth", "thirst", "headache", "dark_urine"], k=2) if low else [],
                )
            )
        previous_low = low

    # Today so far: a couple of morning drinks, if the morning has begun.
    for hour, beverage, volume in [(7.5, "coffee", 250), (9.0, "water", 330)]:
        instant = at(today, hour)
        if instant <= now:
            drink(instant, beverage, volume)

    for model, rows in [
        (Intake, intakes),
        (Episode, episodes),
        (Activity, activities),
        (Dose, doses),
        (CheckIn, checkins),
    ]:
        model.objects.bulk_create(rows, batch_size=500)
    return {
        "intakes": len(intakes),
        "episodes": len(episodes),
        "activities": len(activities),
        "doses": len(doses),
        "check-ins": len(checkins),
    }
