import datetime as dt
import hashlib
import zoneinfo

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.deconstruct import deconstructible
from django.utils.module_loading import import_string

from tracker.diary import DEFAULT_DAY_START
from tracker.logbook.night import DEFAULT_SLEEP_END, DEFAULT_SLEEP_START


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"“{value}” is not a known IANA timezone name (for example Europe/London).")


@deconstructible
class ChoiceListValidator:
    """Validates a JSONField list whose items must come from a TextChoices class."""

    def __init__(self, choices_path: str):
        self.choices_path = choices_path

    def __call__(self, value):
        allowed = set(import_string(self.choices_path).values)
        if not isinstance(value, list):
            raise ValidationError("Expected a list.")
        unknown = [item for item in value if item not in allowed]
        if unknown:
            raise ValidationError(f"Unknown value(s): {', '.join(map(str, unknown))}.")
        if len(set(value)) != len(value):
            raise ValidationError("Each value may appear once.")

    def __eq__(self, other):
        return isinstance(other, ChoiceListValidator) and other.choices_path == self.choices_path


def validate_choice_list(choices) -> ChoiceListValidator:
    return ChoiceListValidator(f"{choices.__module__}.{choices.__qualname__}")


class Units(models.TextChoices):
    METRIC = "metric", "Metric (ml, kg)"
    US = "us", "US (fl oz, lb)"


class WeekStart(models.TextChoices):
    MONDAY = "monday", "Monday"
    SUNDAY = "sunday", "Sunday"


class Condition(models.TextChoices):
    MULTIPLE_SCLEROSIS = "multiple_sclerosis", "Multiple sclerosis"
    DIABETES = "diabetes", "Diabetes"
    VARICOSE_VEINS = "varicose_veins", "Varicose veins"
    ATHEROSCLEROSIS = "atherosclerosis", "Atherosclerosis"
    HEART_DISEASE = "heart_disease", "Heart disease"
    CROHNS_DISEASE = "crohns_disease", "Crohn's disease"
    KIDNEY_DISEASE = "kidney_disease", "Kidney disease"
    THYROID_DISEASE = "thyroid_disease", "Thyroid disease"
    PREGNANCY = "pregnancy", "Pregnancy"
    OTHER = "other", "Other"


class DrugClass(models.TextChoices):
    STATIN = "statin", "Statin, for cholesterol"
    DIURETIC = "diuretic", "Diuretic"
    BLOOD_PRESSURE = "blood_pressure", "Blood-pressure drug"
    ASTHMA_BETA_AGONIST = "asthma_beta_agonist", "Asthma drug"
    ALZHEIMERS = "alzheimers", "Alzheimer's drug"
    PARKINSONS = "parkinsons", "Parkinson's drug"
    OSTEOPOROSIS = "osteoporosis", "Osteoporosis drug"
    ORAL_CONTRACEPTIVE = "oral_contraceptive", "Oral contraceptive"
    INSULIN = "insulin", "Insulin"
    ANTIBIOTIC = "antibiotic", "Antibiotic"
    ANTI_INFLAMMATORY = "anti_inflammatory", "Anti-inflammatory"
    PAINKILLER = "painkiller", "Pain medication"
    # Supplements and remedies people take for cramps: each is its own factor in the reports.
    MAGNESIUM = "magnesium", "Magnesium supplement"
    POTASSIUM = "potassium", "Potassium supplement"
    ELECTROLYTES = "electrolytes", "Electrolytes / oral rehydration"
    QUININE = "quinine", "Quinine"
    VITAMIN_B = "vitamin_b", "Vitamin B"
    VITAMIN_D = "vitamin_d", "Vitamin D"
    CALCIUM = "calcium", "Calcium supplement"
    OTHER_SUPPLEMENT = "other_supplement", "Other supplement"
    OTHER = "other", "Other medicine"


# Shown wherever a medicine of that class is added or listed.
SAFETY_NOTES = {
    DrugClass.QUININE: (
        "Quinine is not recommended for ordinary leg cramps: it can cause rare but serious side effects "
        "(bleeding and blood problems, irregular heartbeat, severe allergic reactions). Take it only as a "
        "doctor prescribed it, and see a doctor at once if you bruise or bleed easily, feel your heart race, "
        "or get a rash or fever."
    ),
}


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email, password=None, **extra):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)

    def get_by_natural_key(self, email):
        return self.get(email__iexact=email)


class User(AbstractBaseUser, PermissionsMixin):
    """The account and its profile in one row: every request needs the timezone and
    day start, so they live on the user rather than behind a join."""

    email = models.EmailField(unique=True)
    email_verified_at = models.DateTimeField(null=True, blank=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)

    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])
    day_starts_at = models.TimeField(default=DEFAULT_DAY_START)
    # The usual sleep window, local wall clock: a cramp inside it is a night cramp
    # (tracker.logbook.night). End before start means it crosses midnight.
    sleep_starts_at = models.TimeField(default=DEFAULT_SLEEP_START)
    sleep_ends_at = models.TimeField(default=DEFAULT_SLEEP_END)
    units = models.CharField(max_length=8, choices=Units.choices, default=Units.METRIC)
    week_starts_on = models.CharField(max_length=8, choices=WeekStart.choices, default=WeekStart.MONDAY)
    body_weight_kg = models.DecimalField(
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(20), MaxValueValidator(400)],
    )
    # None means "use the suggested goal".
    daily_goal_ml = models.PositiveIntegerField(
        null=True, blank=True, validators=[MinValueValidator(500), MaxValueValidator(8000)]
    )
    pregnancy_due_date = models.DateField(null=True, blank=True)
    conditions = models.JSONField(default=list, blank=True, validators=[validate_choice_list(Condition)])
    # One-tap drink presets shown on Today, in ml.
    drink_presets = models.JSONField(default=list, blank=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(daily_goal_ml__isnull=True) | models.Q(daily_goal_ml__range=(500, 8000)),
                name="user_daily_goal_range",
            ),
        ]

    def __str__(self):
        return self.email

    def clean(self):
        super().clean()
        if self.sleep_starts_at is not None and self.sleep_starts_at == self.sleep_ends_at:
            raise ValidationError({"sleep_ends_at": "The sleep window must end at another time than it starts."})

    @property
    def email_verified(self) -> bool:
        return self.email_verified_at is not None

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    @property
    def suggested_goal_ml(self) -> int:
        from accounts.goals import suggested_goal_ml

        return suggested_goal_ml(body_weight_kg=self.body_weight_kg, pregnant=self.is_pregnant)

    @property
    def is_pregnant(self) -> bool:
        return self.pregnancy_due_date is not None and self.pregnancy_due_date >= timezone.now().date()

    @property
    def goal_ml(self) -> int:
        return self.daily_goal_ml or self.suggested_goal_ml


class MedicationQuerySet(models.QuerySet):
    def for_user(self, user):
        return self.filter(user=user)


class Medication(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="medications")
    name = models.CharField(max_length=120)
    drug_class = models.CharField(max_length=32, choices=DrugClass.choices)
    started_on = models.DateField(null=True, blank=True)
    stopped_on = models.DateField(null=True, blank=True)
    # Taken every day: Today offers a one-tap "took it".
    regular = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MedicationQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(stopped_on__isnull=True)
                | models.Q(started_on__isnull=True)
                | models.Q(stopped_on__gte=models.F("started_on")),
                name="medication_stop_after_start",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def safety_note(self) -> str:
        return SAFETY_NOTES.get(self.drug_class, "")

    def clean(self):
        if self.started_on and self.stopped_on and self.stopped_on < self.started_on:
            raise ValidationError({"stopped_on": "The stop date cannot be before the start date."})


class ApiTokenQuerySet(models.QuerySet):
    def for_user(self, user):
        return self.filter(user=user)

    def active(self, now: dt.datetime | None = None):
        return self.filter(revoked_at__isnull=True).filter(
            models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now or timezone.now())
        )


class ApiToken(models.Model):
    """A named API token. Only a SHA-256 digest is stored; the token is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=80)
    digest = models.CharField(max_length=64, unique=True)
    # The first characters, so a user can tell their tokens apart.
    prefix = models.CharField(max_length=8)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # None: until revoked. A token for a one-off script can be given a few days.
    expires_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def digest_of(raw: str) -> str:
        return hashlib.sha256(raw.encode()).hexdigest()


class IdempotencyKey(models.Model):
    """A POST's response kept for 24 h, so a retried POST with the same key applies once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=300)
    # SHA-256 of method, path and body: the same key with another body is refused.
    request_digest = models.CharField(max_length=64, blank=True)
    status_code = models.PositiveSmallIntegerField(null=True)
    response_body = models.JSONField(null=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_unique_per_user")]

    KEEP_FOR = dt.timedelta(hours=24)
