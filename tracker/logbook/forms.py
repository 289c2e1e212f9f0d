"""Web forms for the logbook. Bounds come from the models' validators (ModelForm)
and the services; the forms only translate between the page (local wall-clock
time, the user's units) and the service arguments."""

import datetime as dt
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from accounts.models import DrugClass, Medication
from tracker.diary import local_to_utc
from tracker.logbook import units
from tracker.logbook.advice import red_flag_message
from tracker.logbook.models import (
    CHECKIN_RED_FLAG_FIELDS,
    PREGNANCY_RED_FLAGS,
    Activity,
    ActivityKind,
    Beverage,
    CheckIn,
    DehydrationSign,
    Dose,
    Episode,
    Illness,
    Intake,
    Intensity,
    Muscle,
    Relief,
    Side,
    Symptom,
)
from tracker.logbook.night import in_sleep_window, last_sleep_window

LOCAL_FORMAT = "%Y-%m-%dT%H:%M"


class LocalDateTimeField(forms.DateTimeField):
    """A wall-clock time in the user's zone (an <input type=datetime-local>), turned
    into a UTC instant by the diary module's rule for DST gaps and repeats."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL_FORMAT)
    zone = None

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, dt.datetime):
            return value
        for fmt in (LOCAL_FORMAT, "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"):
            try:
                naive = dt.datetime.strptime(value.strip(), fmt)
            except ValueError:
                continue
            return local_to_utc(naive, self.zone)
        raise ValidationError("Enter a date and time, for example 2026-10-26 07:30.", code="invalid")

    def prepare_value(self, value):
        if isinstance(value, dt.datetime) and value.tzinfo is not None:
            return value.astimezone(self.zone).strftime(LOCAL_FORMAT)
        return value


def _checkboxes(choices, label):
    return forms.MultipleChoiceField(choices=choices, required=False, label=label, widget=forms.CheckboxSelectMultiple)


def _advice_texts(values, *, pregnant: bool) -> tuple[dict[str, str], str]:
    """The "see a doctor" text for each red-flag value (advice.py), rendered on the page
    hidden so a static script can reveal it the moment a box is ticked: the texts by id,
    and the map "value:id,..." the script reads."""
    texts: list[str] = []
    advice_of: dict[str, str] = {}
    for value in values:
        message = red_flag_message([value], pregnant=pregnant)
        if message:
            if message not in texts:
                texts.append(message)
            advice_of[value] = f"advice-{texts.index(message)}"
    advice = {f"advice-{i}": text for i, text in enumerate(texts)}
    return advice, ",".join(f"{value}:{ident}" for value, ident in advice_of.items())


def add_service_errors(form: forms.Form, error: ValidationError, rename: dict[str, str] | None = None) -> None:
    """Show a service's ValidationError next to the matching field, or above the form."""
    rename = rename or {}
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, errors in error.error_dict.items():
        target = rename.get(name, name)
        form.add_error(target if target in form.fields else None, errors)


class UserForm(forms.ModelForm):
    """A ModelForm that knows the user's zone and units."""

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
        for f in self.fields.values():
            if isinstance(f, LocalDateTimeField):
                f.zone = user.zone

    def service_fields(self) -> dict:
        return dict(self.cleaned_data)


class When(models.TextChoices):
    NOW = "now", "Now"
    TONIGHT = "tonight", "Earlier tonight"
    LAST_NIGHT = "last_night", "Last night"


NIGHT_BEFORE = "The night before"

# The duration chips and the seconds stored for each: a representative value inside
# the band, so totals are of the right size without asking for a stopwatch reading.
DURATION_CHIPS = {"short": ("Under a minute", 30), "medium": ("1–5 min", 180), "long": ("Over 5 min", 420)}


class QuickCrampForm(forms.Form):
    """The quick logger on /cramp/: when (now, earlier tonight, last night at a time),
    woke me up, side, muscle, a duration chip, and the severity button that saves."""

    when = forms.ChoiceField(
        choices=When.choices, initial=When.NOW, required=False, widget=forms.RadioSelect, label="When"
    )
    at_time = forms.TimeField(
        required=False,
        label="At about",
        widget=forms.TimeInput(attrs={"type": "time", "step": 300}, format="%H:%M"),
        help_text="Your local time, for earlier tonight or last night.",
    )
    woke = forms.BooleanField(required=False, label="It woke me up")
    side = forms.ChoiceField(choices=Side.choices, initial=Side.NONE, required=False, widget=forms.RadioSelect)
    muscle = forms.ChoiceField(choices=Muscle.choices, widget=forms.RadioSelect, label="Which muscle?")
    duration = forms.ChoiceField(
        choices=[(k, label) for k, (label, _s) in DURATION_CHIPS.items()],
        initial="short",
        required=False,
        widget=forms.RadioSelect,
        label="How long?",
    )
    # No initial value: a severity comes only from the button pressed, never from Enter.
    severity = forms.IntegerField(min_value=0, max_value=10, error_messages={"required": "Tap how bad it was."})

    def __init__(self, *args, user, now: dt.datetime | None = None, **kwargs):
        self.user = user
        self.now = now or timezone.now()
        super().__init__(*args, **kwargs)
        local_now = self.now.astimezone(user.zone).time()
        if in_sleep_window(local_now, user.sleep_starts_at, user.sleep_ends_at):
            # The night under way is "earlier tonight"; the last window that has ended
            # (what LAST_NIGHT means) is the one before it, and is named so.
            self.fields["when"].choices = [
                (value, NIGHT_BEFORE if value == When.LAST_NIGHT else label) for value, label in When.choices
            ]

    def clean(self):
        data = super().clean()
        when = data.get("when")
        if when in (When.TONIGHT, When.LAST_NIGHT) and data.get("at_time") is None:
            self.add_error("at_time", "Give the time, roughly, for a cramp earlier in the night.")
        return data

    def started_at(self) -> dt.datetime:
        data = self.cleaned_data
        zone = self.user.zone
        if data.get("when") in ("", None, When.NOW):
            return self.now
        at = data["at_time"]
        local_now = self.now.astimezone(zone)
        if data["when"] == When.TONIGHT:
            # The latest past occurrence of that wall time.
            candidate = dt.datetime.combine(local_now.date(), at)
            if local_to_utc(candidate, zone) > self.now:
                candidate -= dt.timedelta(days=1)
            return local_to_utc(candidate, zone)
        # Last night: that wall time inside the sleep window that ended most recently.
        start, _end = last_sleep_window(self.now, zone, self.user.sleep_starts_at, self.user.sleep_ends_at)
        candidate = dt.datetime.combine(start.date(), at)
        if candidate < start.replace(tzinfo=None):
            candidate += dt.timedelta(days=1)
        return local_to_utc(candidate, zone)

    def service_fields(self) -> dict:
        data = self.cleaned_data
        return {
            "started_at": self.started_at(),
            "muscle": data["muscle"],
            "side": data.get("side") or Side.NONE,
            "severity": data["severity"],
            "sleep_disturbed": data.get("woke", False),
            "duration_seconds": DURATION_CHIPS[data.get("duration") or "short"][1],
        }

    rename = {"started_at": "at_time", "duration_seconds": "duration"}


def quick_cramp_presets(*, user, now: dt.datetime) -> dict:
    """Times the quick logger's picker starts at: the middle of last night's sleep window
    (03:00 for 23:00-07:00), or an hour ago for earlier tonight, on a 15-minute step."""
    zone = user.zone
    start, end = last_sleep_window(now, zone, user.sleep_starts_at, user.sleep_ends_at)
    start_utc, end_utc = start.astimezone(dt.UTC), end.astimezone(dt.UTC)
    middle = (start_utc + (end_utc - start_utc) / 2).astimezone(zone)
    hour_ago = (now - dt.timedelta(hours=1)).astimezone(zone)

    def quarter(t: dt.datetime) -> str:
        return t.replace(minute=t.minute - t.minute % 15).strftime("%H:%M")

    local_now = now.astimezone(zone).time().replace(tzinfo=None)
    return {
        "last_night": quarter(middle),
        "tonight": quarter(hour_ago),
        "now_is_night": in_sleep_window(local_now, user.sleep_starts_at, user.sleep_ends_at),
    }


class EpisodeForm(UserForm):
    started_at = LocalDateTimeField(
        required=False, label="When it started", help_text="Your local time. Leave empty for now."
    )
    relief = _checkboxes(Relief.choices, "What helped")
    symptoms = _checkboxes(Symptom.choices, "Other symptoms")

    class Meta:
        model = Episode
        fields = [
            "muscle",
            "severity",
            "started_at",
            "duration_seconds",
            "side",
            "context",
            "relief",
            "symptoms",
            "sleep_disturbed",
            "notes",
        ]
        labels = {
            "severity": "Severity (0 = none, 10 = worst)",
            "duration_seconds": "Duration in seconds",
            "context": "What you were doing",
            "sleep_disturbed": "It woke me up / disturbed my sleep",
        }
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["duration_seconds"].initial = 60
        self.fields["severity"].widget.attrs.update(min=0, max=10)
        self.fields["context"].required = False
        self.advice, self.advice_map = _advice_texts(Symptom.values, pregnant=self.user.is_pregnant)

    def service_fields(self) -> dict:
        data = dict(self.cleaned_data)
        data["started_at"] = data.get("started_at") or timezone.now()
        data["context"] = data.get("context") or ""
        return data


class IntakeForm(UserForm):
    taken_at = LocalDateTimeField(required=False, label="When", help_text="Your local time. Leave empty for now.")
    amount = forms.DecimalField(min_value=Decimal("0.1"), max_digits=7, decimal_places=1)

    class Meta:
        model = Intake
        fields = ["amount", "beverage", "taken_at", "sodium_mg", "potassium_mg", "magnesium_mg"]
        labels = {"sodium_mg": "Sodium (mg)", "potassium_mg": "Potassium (mg)", "magnesium_mg": "Magnesium (mg)"}

    field_order = ["amount", "beverage", "taken_at", "sodium_mg", "potassium_mg", "magnesium_mg"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["amount"].label = f"Amount ({units.volume_unit(self.user)})"
        if self.instance.pk:
            self.initial["amount"] = units.ml_to_display(self.instance.volume_ml, self.user)

    def service_fields(self) -> dict:
        data = dict(self.cleaned_data)
        data["volume_ml"] = units.display_to_ml(data.pop("amount"), self.user)
        data["taken_at"] = data.get("taken_at") or timezone.now()
        return data

    rename = {"volume_ml": "amount"}


class QuickDrinkForm(forms.Form):
    amount = forms.DecimalField(min_value=Decimal("0.1"), max_digits=7, decimal_places=1)
    beverage = forms.ChoiceField(choices=Beverage.choices, initial=Beverage.WATER)

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
        self.fields["amount"].label = f"Amount ({units.volume_unit(user)})"
        self.fields["amount"].widget.attrs.update(inputmode="decimal", step="any")

    def service_fields(self) -> dict:
        return {
            "volume_ml": units.display_to_ml(self.cleaned_data["amount"], self.user),
            "beverage": self.cleaned_data["beverage"],
            "taken_at": timezone.now(),
        }

    rename = {"volume_ml": "amount"}


class ActivityForm(UserForm):
    started_at = LocalDateTimeField(
        required=False, label="When it started", help_text="Your local time. Leave empty for now."
    )

    class Meta:
        model = Activity
        fields = ["kind", "intensity", "duration_minutes", "started_at", "heavy_sweating"]
        labels = {"duration_minutes": "Minutes", "heavy_sweating": "I sweated heavily"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.instance.pk:
            # Sensible defaults: the kind logged last, half an hour, moderate.
            last = Activity.objects.for_user(self.user).values_list("kind", flat=True).first()
            self.fields["kind"].initial = last or ActivityKind.WALKING
            self.fields["duration_minutes"].initial = 30
            self.fields["intensity"].initial = Intensity.MODERATE

    def service_fields(self) -> dict:
        data = dict(self.cleaned_data)
        data["started_at"] = data.get("started_at") or timezone.now()
        return data


class DoseForm(UserForm):
    taken_at = LocalDateTimeField(required=False, label="When", help_text="Your local time.")
    # A medicine not listed yet is added here, with the dose, instead of a dead end.
    new_medication_name = forms.CharField(max_length=120, required=False, label="Or a new one: its name")
    new_medication_class = forms.ChoiceField(
        choices=[("", "Choose…"), *DrugClass.choices], required=False, label="What kind of medicine or supplement"
    )

    class Meta:
        model = Dose
        fields = ["medication", "amount", "amount_unit", "taken_at"]
        labels = {"amount": "Amount (optional)", "amount_unit": "Unit"}

    field_order = ["medication", "new_medication_name", "new_medication_class", "amount", "amount_unit", "taken_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Only one's own medicines can be chosen; the service checks it again.
        own = Medication.objects.for_user(self.user)
        self.fields["medication"].queryset = own
        self.fields["medication"].required = False
        self.fields["amount"].widget.attrs.update(inputmode="decimal", step="any")
        self.has_medications = own.exists()
        if not self.has_medications:
            self.fields["medication"].help_text = "None listed yet: add it just below, with this dose."
        if self.instance.pk:  # editing a dose: no new medicine from here
            del self.fields["new_medication_name"], self.fields["new_medication_class"]

    def clean(self):
        data = super().clean()
        name = (data.get("new_medication_name") or "").strip()
        if name and not data.get("new_medication_class"):
            self.add_error("new_medication_class", "Choose what kind it is, so reports can compare it.")
        if not data.get("medication") and not name:
            self.add_error("medication", "Choose one of your medicines, or add a new one below.")
        return data

    def service_fields(self) -> dict:
        data = dict(self.cleaned_data)
        name = (data.pop("new_medication_name", "") or "").strip()
        drug_class = data.pop("new_medication_class", "")
        if name:
            data["medication"] = None
            data["new_medication"] = {"name": name, "drug_class": drug_class}
        data["taken_at"] = data.get("taken_at") or timezone.now()
        return data


def _norm(value) -> str:
    """A number as the chip value it matches: 7, 7.5 (not 7.0)."""
    if value in (None, ""):
        return ""
    number = Decimal(str(value)).normalize()
    return f"{number:f}"


def _chips(values, label, *, coerce=Decimal, labels=None):
    labels = labels or {}
    return forms.TypedChoiceField(
        choices=[("", "Not sure")] + [(_norm(v), labels.get(v, _norm(v))) for v in values],
        coerce=coerce,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
        label=label,
    )


RATING_LABELS = {1: "1", 2: "2", 3: "3", 4: "4", 5: "5"}
# The check-in questions answered with one row of tap chips (_chips below), in page
# order; named once here because the form's Meta cannot see the form's own attributes.
CHECKIN_CHIP_FIELDS = (
    "sleep_hours",
    "sitting_hours",
    "standing_hours",
    "fatigue",
    "stress",
    "alcohol_units",
    "potassium_rich_servings",
)


class CheckInForm(UserForm):
    """The morning check-in: one screen of tap chips. Nothing is filled in from another
    day unless the person asks ("same as yesterday"); "cramps?" is an explicit answer."""

    cramps = forms.ChoiceField(
        choices=[("no", "No cramps"), ("yes", "Yes, I had cramps")],
        widget=forms.RadioSelect,
        label="Any cramps this day or the night after?",
        error_messages={"required": "Answer yes or no: it tells “no cramps” from “not logged”."},
    )
    sleep_hours = _chips([4, 5, 6, 7, 8, 9, 10], "Hours of sleep")
    sitting_hours = _chips([0, 2, 4, 6, 8, 10, 12], "Hours sitting")
    standing_hours = _chips([0, 1, 2, 4, 6, 8, 10], "Hours standing")
    fatigue = _chips([1, 2, 3, 4, 5], "Tiredness (1 = fresh, 5 = exhausted)", coerce=int, labels=RATING_LABELS)
    stress = _chips([1, 2, 3, 4, 5], "Stress (1 = calm, 5 = very stressed)", coerce=int, labels=RATING_LABELS)
    alcohol_units = _chips([0, 1, 2, 3, 4, 6], "Alcohol units")
    potassium_rich_servings = _chips(
        [0, 1, 2, 3, 4, 5], "Servings of potassium- or magnesium-rich food (bananas, nuts, greens…)", coerce=int
    )
    illness = _checkboxes(Illness.choices, "Illness")
    dehydration_signs = _checkboxes(DehydrationSign.choices, "Signs of dehydration")

    CHIP_FIELDS = CHECKIN_CHIP_FIELDS

    class Meta:
        model = CheckIn
        fields = [
            *CHECKIN_CHIP_FIELDS,
            "hot_environment",
            "uncomfortable_shoes",
            "low_blood_sugar",
            "illness",
            "dehydration_signs",
            *CHECKIN_RED_FLAG_FIELDS,
        ]
        labels = {
            "hot_environment": "Hot environment or heavy sweating",
            "uncomfortable_shoes": "Uncomfortable shoes or heels",
            "low_blood_sugar": "A low-blood-sugar episode",
            # Outside a cramp: a cramp's own symptoms go on the cramp.
            "fainting": "Fainted",
            "confusion": "Confused",
            "sunken_eyes": "Sunken eyes",
            "loss_of_consciousness": "Lost consciousness",
            "whole_body_convulsions": "Whole-body convulsions (a fit)",
            "high_blood_pressure_in_pregnancy": "High blood pressure (pregnant)",
            "swelling_in_pregnancy": "Swelling (pregnant)",
        }

    field_order = ["cramps", *Meta.fields]
    rename = {"no_cramps": "cramps"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        instance = self.instance if self.instance.pk else None
        if instance is not None and instance.no_cramps is not None and "cramps" not in self.initial:
            self.initial["cramps"] = "no" if instance.no_cramps else "yes"
        for name in self.CHIP_FIELDS:
            field = self.fields[name]
            value = _norm(self.initial.get(name, getattr(instance, name, None)))
            self.initial[name] = value
            # A value saved through the API that is not a chip still shows, as its own chip.
            if value and value not in dict(field.choices):
                field.choices = [*field.choices, (value, value)]
        # The pregnancy questions only for someone pregnant (profile), or already answered.
        pregnant = self.user.is_pregnant or "pregnancy" in (self.user.conditions or [])
        for name in PREGNANCY_RED_FLAGS:
            if not pregnant and not self.initial.get(name, getattr(instance, name, False)):
                del self.fields[name]
        self.red_flag_fields = [self[name] for name in CHECKIN_RED_FLAG_FIELDS if name in self.fields]
        self.red_flags_open = any(bound.value() for bound in self.red_flag_fields)
        self.advice, self.advice_map = _advice_texts(CHECKIN_RED_FLAG_FIELDS, pregnant=pregnant)

    def service_fields(self) -> dict:
        data = dict(self.cleaned_data)
        data["no_cramps"] = data.pop("cramps") == "no"
        return data

    @staticmethod
    def initial_from(checkin: CheckIn | None) -> dict:
        """Another day's answers, for the explicit "same as yesterday": never the cramps
        answer, nor a red flag (something that happened that day, not a habit)."""
        if checkin is None:
            return {}
        return {
            name: getattr(checkin, name) for name in CheckInForm._meta.fields if name not in CHECKIN_RED_FLAG_FIELDS
        }


ENTRY_FORMS = {"episode": EpisodeForm, "intake": IntakeForm, "activity": ActivityForm, "dose": DoseForm}
