"""Web forms for the logbook. Bounds come from the models' validators (ModelForm)
and the services; the forms only translate between the page (local wall-clock
time, the user's units) and the service arguments."""

import datetime as dt
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import Medication
from tracker.diary import local_to_utc
from tracker.logbook import units
from tracker.logbook.advice import red_flag_message
from tracker.logbook.models import (
    Activity,
    Beverage,
    CheckIn,
    DehydrationSign,
    Dose,
    Episode,
    Illness,
    Intake,
    Relief,
    Symptom,
)

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


class QuickCrampForm(UserForm):
    class Meta:
        model = Episode
        fields = ["muscle", "severity"]


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
        # The "see a doctor" text for each symptom that calls for it (advice.py), rendered
        # on the page hidden so a static script can reveal it the moment a box is ticked.
        texts: list[str] = []
        advice_of: dict[str, str] = {}
        for value, _label in Symptom.choices:
            message = red_flag_message([value], pregnant=self.user.is_pregnant)
            if message:
                if message not in texts:
                    texts.append(message)
                advice_of[value] = f"advice-{texts.index(message)}"
        self.advice = {f"advice-{i}": text for i, text in enumerate(texts)}
        self.advice_map = ",".join(f"{value}:{ident}" for value, ident in advice_of.items())

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
    started_at = LocalDateTimeField(required=False, label="When it started", help_text="Your local time.")

    class Meta:
        model = Activity
        fields = ["kind", "intensity", "duration_minutes", "started_at", "heavy_sweating"]
        labels = {"duration_minutes": "Minutes", "heavy_sweating": "I sweated heavily"}

    def service_fields(self) -> dict:
        data = dict(self.cleaned_data)
        data["started_at"] = data.get("started_at") or timezone.now()
        return data


class DoseForm(UserForm):
    taken_at = LocalDateTimeField(required=False, label="When", help_text="Your local time.")

    class Meta:
        model = Dose
        fields = ["medication", "taken_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Only one's own medicines can be chosen; the service checks it again.
        self.fields["medication"].queryset = Medication.objects.for_user(self.user)

    def service_fields(self) -> dict:
        data = dict(self.cleaned_data)
        data["taken_at"] = data.get("taken_at") or timezone.now()
        return data


class CheckInForm(UserForm):
    illness = _checkboxes(Illness.choices, "Illness")
    dehydration_signs = _checkboxes(DehydrationSign.choices, "Signs of dehydration")

    class Meta:
        model = CheckIn
        fields = [
            "no_cramps",
            "sleep_hours",
            "sitting_hours",
            "standing_hours",
            "fatigue",
            "stress",
            "alcohol_units",
            "potassium_rich_servings",
            "hot_environment",
            "uncomfortable_shoes",
            "low_blood_sugar",
            "illness",
            "dehydration_signs",
        ]
        labels = {
            "no_cramps": "No cramps on this day",
            "sleep_hours": "Hours of sleep",
            "sitting_hours": "Hours sitting",
            "standing_hours": "Hours standing",
            "fatigue": "Tiredness (1 = fresh, 5 = exhausted)",
            "stress": "Stress (1 = calm, 5 = very stressed)",
            "alcohol_units": "Alcohol units",
            "potassium_rich_servings": "Servings of potassium- or magnesium-rich food (bananas, nuts, greens…)",
            "hot_environment": "Hot environment or heavy sweating",
            "uncomfortable_shoes": "Uncomfortable shoes or heels",
            "low_blood_sugar": "A low-blood-sugar episode",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("sleep_hours", "sitting_hours", "standing_hours", "alcohol_units"):
            self.fields[name].widget.attrs.update(step="0.5", inputmode="decimal")
        for name in ("fatigue", "stress"):
            self.fields[name].widget.attrs.update(min=1, max=5)

    @staticmethod
    def initial_from(checkin: CheckIn | None) -> dict:
        """Yesterday's answers as a start for today (except "no cramps")."""
        if checkin is None:
            return {}
        return {name: getattr(checkin, name) for name in CheckInForm._meta.fields if name != "no_cramps"}


ENTRY_FORMS = {"episode": EpisodeForm, "intake": IntakeForm, "activity": ActivityForm, "dose": DoseForm}
