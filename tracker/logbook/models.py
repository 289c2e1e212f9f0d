from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models

from accounts.models import Medication, validate_choice_list


class Muscle(models.TextChoices):
    CALF = "calf", "Calf"
    HAMSTRING = "hamstring", "Hamstring"
    QUADRICEPS = "quadriceps", "Thigh (quadriceps)"
    FOOT = "foot", "Foot"
    TOES = "toes", "Toes"
    ABDOMEN = "abdomen", "Stomach"
    HAND = "hand", "Hand"
    ARM = "arm", "Arm"
    CHEST = "chest", "Chest"
    BACK = "back", "Back"
    NECK = "neck", "Neck"
    OTHER = "other", "Other"


class Side(models.TextChoices):
    LEFT = "left", "Left"
    RIGHT = "right", "Right"
    BOTH = "both", "Both"
    NONE = "none", "Not applicable"


class Context(models.TextChoices):
    ASLEEP = "asleep", "Asleep"
    RESTING = "resting", "Resting"
    SITTING = "sitting", "Sitting"
    STANDING = "standing", "Standing"
    WALKING = "walking", "Walking"
    EXERCISING = "exercising", "Exercising"
    AFTER_EXERCISE = "after_exercise", "After exercise"
    OTHER = "other", "Other"


class Relief(models.TextChoices):
    STRETCHING = "stretching", "Stretching"
    MASSAGE = "massage", "Massage"
    WALKING = "walking", "Walking"
    HEAT = "heat", "Heat"
    COLD = "cold", "Cold"
    ELECTROLYTE_DRINK = "electrolyte_drink", "Electrolyte drink"
    WATER = "water", "Water"
    MEDICATION = "medication", "Medication"
    REST = "rest", "Rest"
    POSITION_CHANGE = "position_change", "Changing position"
    NOTHING = "nothing", "Nothing helped"


class Symptom(models.TextChoices):
    SWELLING = "swelling", "Swelling"
    REDNESS = "redness", "Redness"
    NUMBNESS = "numbness", "Numbness"
    WEAKNESS = "weakness", "Weakness"
    DIZZINESS = "dizziness", "Dizziness"
    CONFUSION = "confusion", "Confusion"
    FAINTING = "fainting", "Fainting"
    SUNKEN_EYES = "sunken_eyes", "Sunken eyes"
    LOSS_OF_CONSCIOUSNESS = "loss_of_consciousness", "Loss of consciousness"
    WHOLE_BODY_CONVULSIONS = "whole_body_convulsions", "Whole-body convulsions"


# Severe dehydration (domain.md): seek medical attention now.
DEHYDRATION_RED_FLAGS = {Symptom.CONFUSION, Symptom.FAINTING, Symptom.SUNKEN_EYES}
# A generalized seizure: call emergency services; the app is not for seizures.
SEIZURE_RED_FLAGS = {Symptom.LOSS_OF_CONSCIOUSNESS, Symptom.WHOLE_BODY_CONVULSIONS}
RED_FLAG_SYMPTOMS = DEHYDRATION_RED_FLAGS | SEIZURE_RED_FLAGS
# Cramps in pregnancy with high blood pressure or swelling (domain.md, the eclampsia
# warning): asked in the check-in, so it can be logged on a day without a cramp.
PREGNANCY_RED_FLAGS = {"high_blood_pressure_in_pregnancy", "swelling_in_pregnancy"}


class Beverage(models.TextChoices):
    WATER = "water", "Water"
    ELECTROLYTE_DRINK = "electrolyte_drink", "Electrolyte drink"
    ORAL_REHYDRATION_SOLUTION = "oral_rehydration_solution", "Oral rehydration solution"
    TEA = "tea", "Tea"
    COFFEE = "coffee", "Coffee"
    MILK = "milk", "Milk"
    JUICE = "juice", "Juice"
    SODA = "soda", "Soft drink"
    SOUP = "soup", "Soup"
    BEER = "beer", "Beer"
    WINE = "wine", "Wine"
    SPIRITS = "spirits", "Spirits"
    OTHER = "other", "Other"


class ActivityKind(models.TextChoices):
    WALKING = "walking", "Walking"
    RUNNING = "running", "Running"
    CYCLING = "cycling", "Cycling"
    SWIMMING = "swimming", "Swimming"
    STRENGTH = "strength", "Strength training"
    TEAM_SPORT = "team_sport", "Team sport"
    HIKING = "hiking", "Hiking"
    GARDENING = "gardening", "Gardening"
    YOGA = "yoga", "Yoga"
    OTHER = "other", "Other"


class Intensity(models.TextChoices):
    LIGHT = "light", "Light"
    MODERATE = "moderate", "Moderate"
    VIGOROUS = "vigorous", "Vigorous"


class Illness(models.TextChoices):
    VOMITING = "vomiting", "Vomiting"
    DIARRHOEA = "diarrhoea", "Diarrhoea"
    FEVER = "fever", "Fever"


class DehydrationSign(models.TextChoices):
    DRY_MOUTH = "dry_mouth", "Dry mouth"
    DRY_SKIN = "dry_skin", "Dry skin"
    RAPID_HEART_RATE = "rapid_heart_rate", "Rapid heart rate"
    LESS_URINATION = "less_urination", "Passing less urine"
    DARK_URINE = "dark_urine", "Dark urine"
    CONSTIPATION = "constipation", "Constipation"
    THIRST = "thirst", "Extreme thirst"
    DIZZINESS = "dizziness", "Dizziness"
    HEADACHE = "headache", "Headache"
    FATIGUE = "fatigue", "Fatigue or muscle weakness"


MAX_VOLUME_ML = 5000
MAX_EPISODE_SECONDS = 2 * 3600


class UserScopedQuerySet(models.QuerySet):
    def for_user(self, user):
        return self.filter(user=user)


class DiaryRow(models.Model):
    """A logged row: its owner and the diary day it belongs to, computed once when
    written (tracker.diary.diary_day) so reports group by a plain date column."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    day = models.DateField(editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = UserScopedQuerySet.as_manager()

    class Meta:
        abstract = True


class Episode(DiaryRow):
    started_at = models.DateTimeField()
    duration_seconds = models.PositiveIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(MAX_EPISODE_SECONDS)]
    )
    muscle = models.CharField(max_length=16, choices=Muscle.choices)
    side = models.CharField(max_length=8, choices=Side.choices, default=Side.NONE)
    severity = models.PositiveSmallIntegerField(validators=[MaxValueValidator(10)])
    context = models.CharField(max_length=16, choices=Context.choices, blank=True)
    relief = models.JSONField(default=list, blank=True, validators=[validate_choice_list(Relief)])
    symptoms = models.JSONField(default=list, blank=True, validators=[validate_choice_list(Symptom)])
    sleep_disturbed = models.BooleanField(default=False)
    # The night rule (tracker.logbook.night), stored when written and recomputed when the
    # sleep window or timezone changes, so reports count night cramps from one column.
    at_night = models.BooleanField(default=False, editable=False)
    # TextField's max_length is only a form hint; the validator makes services enforce it.
    notes = models.TextField(blank=True, max_length=2000, validators=[MaxLengthValidator(2000)])

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [
            # Lists newest first and reports grouped by day, per user.
            models.Index(fields=["user", "-started_at"], name="episode_user_started"),
            models.Index(fields=["user", "day"], name="episode_user_day"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(severity__lte=10), name="episode_severity_0_10"),
            models.CheckConstraint(
                condition=models.Q(duration_seconds__gte=1, duration_seconds__lte=MAX_EPISODE_SECONDS),
                name="episode_duration_range",
            ),
        ]

    @property
    def red_flags(self) -> list[str]:
        return [s for s in self.symptoms if s in RED_FLAG_SYMPTOMS]


class Intake(DiaryRow):
    taken_at = models.DateTimeField()
    volume_ml = models.PositiveIntegerField(validators=[MinValueValidator(1), MaxValueValidator(MAX_VOLUME_ML)])
    beverage = models.CharField(max_length=32, choices=Beverage.choices, default=Beverage.WATER)
    sodium_mg = models.PositiveIntegerField(null=True, blank=True, validators=[MaxValueValidator(10000)])
    potassium_mg = models.PositiveIntegerField(null=True, blank=True, validators=[MaxValueValidator(10000)])
    magnesium_mg = models.PositiveIntegerField(null=True, blank=True, validators=[MaxValueValidator(5000)])
    # Stored at write time from the beverage's hydration factor (tracker.logbook.beverages).
    effective_ml = models.PositiveIntegerField(editable=False)
    alcohol_units = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal("0"), editable=False)

    class Meta:
        ordering = ["-taken_at", "-id"]
        indexes = [
            models.Index(fields=["user", "-taken_at"], name="intake_user_taken"),
            models.Index(fields=["user", "day"], name="intake_user_day"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(volume_ml__gte=1, volume_ml__lte=MAX_VOLUME_ML), name="intake_volume_range"
            ),
        ]


class Activity(DiaryRow):
    started_at = models.DateTimeField()
    duration_minutes = models.PositiveIntegerField(validators=[MinValueValidator(1), MaxValueValidator(24 * 60)])
    kind = models.CharField(max_length=16, choices=ActivityKind.choices)
    intensity = models.CharField(max_length=16, choices=Intensity.choices)
    heavy_sweating = models.BooleanField(default=False)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name_plural = "activities"
        indexes = [
            models.Index(fields=["user", "-started_at"], name="activity_user_started"),
            models.Index(fields=["user", "day"], name="activity_user_day"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(duration_minutes__gte=1, duration_minutes__lte=24 * 60),
                name="activity_duration_range",
            ),
        ]


class DoseUnit(models.TextChoices):
    MG = "mg", "mg"
    G = "g", "g"
    MCG = "mcg", "µg"
    IU = "iu", "IU"
    ML = "ml", "ml"
    TABLET = "tablet", "tablet(s)"
    CAPSULE = "capsule", "capsule(s)"
    SACHET = "sachet", "sachet(s)"


class Dose(DiaryRow):
    taken_at = models.DateTimeField()
    medication = models.ForeignKey(Medication, on_delete=models.CASCADE, related_name="doses")
    # Optional: how much, e.g. 300 mg of magnesium or 2 tablets.
    amount = models.DecimalField(
        max_digits=8, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(Decimal("0.01"))]
    )
    amount_unit = models.CharField(max_length=8, choices=DoseUnit.choices, blank=True)

    class Meta:
        ordering = ["-taken_at", "-id"]
        indexes = [
            models.Index(fields=["user", "-taken_at"], name="dose_user_taken"),
            models.Index(fields=["user", "day"], name="dose_user_day"),
        ]

    def clean(self):
        if self.amount is not None and not self.amount_unit:
            raise ValidationError({"amount_unit": "Give the unit of the amount (mg, tablets…)."})
        if self.amount is None and self.amount_unit:
            raise ValidationError({"amount": "Give the amount, or leave the unit empty."})


def _hours_field():
    return models.DecimalField(
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(24)],
    )


def _rating_field():
    return models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )


# The day's factors a check-in records (read by the API and by the reports).
CHECKIN_FACTOR_FIELDS = (
    "no_cramps",
    "sitting_hours",
    "standing_hours",
    "sleep_hours",
    "fatigue",
    "stress",
    "alcohol_units",
    "hot_environment",
    "illness",
    "low_blood_sugar",
    "potassium_rich_servings",
    "uncomfortable_shoes",
    "dehydration_signs",
)

# Red flags a check-in records for the day, outside any cramp (domain.md): each a
# boolean whose true value reaches the reports' red flags (tracker.reports.series). The
# ones a cramp can also carry share the episode symptom's name, so the advice and the
# reports group them with one rule; their verbose names are the reports' words.
CHECKIN_RED_FLAG_FIELDS = (
    "fainting",
    "confusion",
    "sunken_eyes",
    "loss_of_consciousness",
    "whole_body_convulsions",
    "high_blood_pressure_in_pregnancy",
    "swelling_in_pregnancy",
)


class CheckIn(models.Model):
    """One per user and diary day: the day's factors. Its `day` is chosen by the
    user, not computed from an instant, and is the row's identity."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    # None = not answered (an API client may leave it out): the day is then not observed
    # by this check-in alone, rather than silently counted as a cramp day.
    no_cramps = models.BooleanField(null=True, blank=True, default=None)
    sitting_hours = _hours_field()
    standing_hours = _hours_field()
    sleep_hours = _hours_field()
    fatigue = _rating_field()
    stress = _rating_field()
    alcohol_units = models.DecimalField(
        max_digits=4, decimal_places=1, null=True, blank=True, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    hot_environment = models.BooleanField(default=False)
    illness = models.JSONField(default=list, blank=True, validators=[validate_choice_list(Illness)])
    low_blood_sugar = models.BooleanField(default=False)
    potassium_rich_servings = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(30)]
    )
    uncomfortable_shoes = models.BooleanField(default=False)
    dehydration_signs = models.JSONField(default=list, blank=True, validators=[validate_choice_list(DehydrationSign)])
    # Red flags on the day, not during a cramp (CHECKIN_RED_FLAG_FIELDS).
    fainting = models.BooleanField("fainting", default=False)
    confusion = models.BooleanField("confusion", default=False)
    sunken_eyes = models.BooleanField("sunken eyes", default=False)
    loss_of_consciousness = models.BooleanField("loss of consciousness", default=False)
    whole_body_convulsions = models.BooleanField("whole-body convulsions", default=False)
    high_blood_pressure_in_pregnancy = models.BooleanField("high blood pressure in pregnancy", default=False)
    swelling_in_pregnancy = models.BooleanField("swelling in pregnancy", default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = UserScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-day", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "day"], name="checkin_one_per_user_day"),
            models.CheckConstraint(
                condition=models.Q(fatigue__isnull=True) | models.Q(fatigue__range=(1, 5)), name="checkin_fatigue_1_5"
            ),
            models.CheckConstraint(
                condition=models.Q(stress__isnull=True) | models.Q(stress__range=(1, 5)), name="checkin_stress_1_5"
            ),
        ]

    @property
    def red_flags(self) -> list[str]:
        return [name for name in CHECKIN_RED_FLAG_FIELDS if getattr(self, name)]


class DeletedEntry(models.Model):
    """A deleted diary row kept for a while so it can be restored. The row itself is
    really deleted, so every query over the logbook tables stays honest without a
    "not deleted" filter; restoring writes it back through the services with its old id."""

    KEEP_FOR_DAYS = 7

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16)  # episode, intake, activity, dose, checkin
    entry_id = models.PositiveBigIntegerField()
    # The row's own fields as JSON (derived ones are recomputed on restore).
    data = models.JSONField()
    day = models.DateField()
    deleted_at = models.DateTimeField(auto_now_add=True)

    objects = UserScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-deleted_at", "-id"]
        verbose_name_plural = "deleted entries"
        # The "recently deleted" list: a user's newest first.
        indexes = [models.Index(fields=["user", "-deleted_at"], name="deleted_user_when")]

    TITLES = {"episode": "cramp", "intake": "drink", "activity": "activity", "dose": "medication dose"}

    @property
    def title(self) -> str:
        return self.TITLES.get(self.kind, "check-in")
