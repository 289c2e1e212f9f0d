import zoneinfo
from decimal import Decimal

from django import forms
from django.contrib.auth import authenticate
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.forms import PasswordChangeForm as DjangoPasswordChangeForm
from django.core.exceptions import ValidationError

from accounts.models import Condition, Medication, Units, WeekStart
from tracker.logbook import units
from tracker.logbook.models import Beverage, Intake

TIMEZONES = sorted(zoneinfo.available_timezones() - {"localtime", "Factory"})
TIMEZONE_CHOICES = [(name, name.replace("_", " ")) for name in TIMEZONES]


def _timezone_field(*, browser_default: bool = False, **kwargs):
    # On signup a static script (static/js/app.js) selects the browser's zone; without
    # the script the person picks it, from a list that starts empty: never a silent UTC.
    attrs = {"data-browser-timezone": "default", "autocomplete": "off"} if browser_default else {}
    choices = [("", "Choose your timezone…"), *TIMEZONE_CHOICES] if browser_default else TIMEZONE_CHOICES
    return forms.ChoiceField(choices=choices, label="Timezone", widget=forms.Select(attrs=attrs), **kwargs)


class SignupForm(forms.Form):
    email = forms.EmailField(widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    password = forms.CharField(
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 10 characters, not a common password.",
    )
    timezone = _timezone_field(
        browser_default=True,
        help_text="Where you live, for example America/New York: your days, nights and reminders follow it.",
        error_messages={"required": "Choose your timezone, so your days and nights are counted right."},
    )


class LoginForm(AuthenticationForm):
    """Django's login form with the field named `email`, as axes and the API expect."""

    email = forms.EmailField(widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}))
    remember = forms.BooleanField(
        required=False,
        label="Keep me signed in",
        help_text="For 14 days on this device. Otherwise you are signed out after 30 minutes without use.",
    )
    field_order = ["email", "password", "remember"]

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields.pop("username", None)
        if self.initial.get("email"):
            # The address is filled in (just after signing up): the cursor waits in the password.
            self.fields["email"].widget.attrs.pop("autofocus", None)
            self.fields["password"].widget.attrs["autofocus"] = True

    def clean(self):
        email = self.cleaned_data.get("email")
        password = self.cleaned_data.get("password")
        if email and password:
            self.user_cache = authenticate(self.request, email=email, password=password)
            if self.user_cache is None:
                raise forms.ValidationError("That email address and password do not match an account.")
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data


class ProfileForm(forms.Form):
    """Profile fields in the user's units; the view converts and calls profile_update."""

    timezone = _timezone_field()
    day_starts_at = forms.TimeField(
        label="My day starts at",
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text="A cramp before this time counts for the evening before.",
    )
    # Optional on the form: left empty, the current window stays.
    sleep_starts_at = forms.TimeField(
        required=False,
        label="I usually go to sleep at",
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    sleep_ends_at = forms.TimeField(
        required=False,
        label="I usually get up at",
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text="A cramp that starts between these times counts as a night cramp, unless you were up and about.",
    )
    units = forms.ChoiceField(choices=Units.choices)
    week_starts_on = forms.ChoiceField(choices=WeekStart.choices, label="Weeks start on")
    body_weight = forms.DecimalField(required=False, min_value=Decimal("1"), max_digits=6, decimal_places=1)
    daily_goal = forms.DecimalField(required=False, min_value=Decimal("1"), max_digits=7, decimal_places=1)
    pregnancy_due_date = forms.DateField(
        required=False, label="Pregnancy due date", widget=forms.DateInput(attrs={"type": "date"})
    )
    conditions = forms.MultipleChoiceField(
        choices=Condition.choices, required=False, widget=forms.CheckboxSelectMultiple, label="Conditions"
    )

    rename = {"body_weight_kg": "body_weight", "daily_goal_ml": "daily_goal"}

    def __init__(self, *args, user, **kwargs):
        self.user = user
        initial = {
            "timezone": user.timezone,
            "day_starts_at": user.day_starts_at,
            "sleep_starts_at": user.sleep_starts_at,
            "sleep_ends_at": user.sleep_ends_at,
            "units": user.units,
            "week_starts_on": user.week_starts_on,
            "body_weight": units.kg_to_display(user.body_weight_kg, user),
            "daily_goal": units.ml_to_display(user.daily_goal_ml, user),
            "pregnancy_due_date": user.pregnancy_due_date,
            "conditions": user.conditions,
        }
        super().__init__(*args, initial=initial, **kwargs)
        self.fields["body_weight"].label = f"Body weight ({units.weight_unit(user)})"
        self.fields["daily_goal"].label = f"Daily fluid goal ({units.volume_unit(user)})"
        self.fields[
            "daily_goal"
        ].help_text = f"Suggested for you: {units.format_volume(user.suggested_goal_ml, user)}. Leave empty to use it."

    def _amount(self, name: str, stored, convert):
        """An amount left as shown keeps its stored value: converting the rounded display
        back would turn 2000 ml into 1999 ml after a trip through fl oz."""
        shown = self.cleaned_data[name]
        if shown == self.initial[name]:
            return stored
        return None if shown is None else convert(shown, self.user)

    def service_fields(self) -> dict:
        data = self.cleaned_data
        # Amounts are read in the units the form was shown in, i.e. the current ones.
        return {
            "timezone": data["timezone"],
            "day_starts_at": data["day_starts_at"],
            "sleep_starts_at": data["sleep_starts_at"] or self.user.sleep_starts_at,
            "sleep_ends_at": data["sleep_ends_at"] or self.user.sleep_ends_at,
            "units": data["units"],
            "week_starts_on": data["week_starts_on"],
            "body_weight_kg": self._amount("body_weight", self.user.body_weight_kg, units.display_to_kg),
            "daily_goal_ml": self._amount("daily_goal", self.user.daily_goal_ml, units.display_to_ml),
            "pregnancy_due_date": data["pregnancy_due_date"],
            "conditions": data["conditions"],
        }


class PresetForm(forms.Form):
    label = forms.CharField(max_length=40, required=False)
    amount = forms.DecimalField(required=False, min_value=Decimal("0.1"), max_digits=7, decimal_places=1)
    beverage = forms.ChoiceField(choices=Beverage.choices, initial=Beverage.WATER)

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
        self.fields["amount"].label = f"Amount ({units.volume_unit(user)})"

    def clean(self):
        data = super().clean()
        if data.get("label") and data.get("amount") is None:
            self.add_error("amount", "Give an amount for this button.")
        elif data.get("amount") is not None:
            # The same bounds as a logged drink (the Intake model's validators).
            try:
                Intake._meta.get_field("volume_ml").run_validators(units.display_to_ml(data["amount"], self.user))
            except forms.ValidationError as error:
                self.add_error("amount", error)
        return data


PresetFormSet = forms.formset_factory(PresetForm, extra=1, max_num=6, absolute_max=6)


def presets_initial(presets: list[dict], user) -> list[dict]:
    return [
        {
            "label": p["label"],
            "amount": units.ml_to_display(p["volume_ml"], user),
            "beverage": p["beverage"],
            "volume_ml": p["volume_ml"],
        }
        for p in presets
    ]


def presets_from(formset, user) -> list[dict]:
    """Presets are stored in ml. An amount left as it was shown keeps its stored ml, so
    the 250 ml glass stays 250 ml through any number of saves in fl oz (8.5 fl oz would
    convert back to 251 ml)."""
    presets = []
    for f in formset.forms:
        data = f.cleaned_data
        if not data.get("label") or data.get("amount") is None:
            continue
        unchanged = "volume_ml" in f.initial and data["amount"] == f.initial.get("amount")
        presets.append(
            {
                "label": data["label"].strip(),
                "volume_ml": f.initial["volume_ml"] if unchanged else units.display_to_ml(data["amount"], user),
                "beverage": data["beverage"],
            }
        )
    return presets


class MedicationForm(forms.ModelForm):
    class Meta:
        model = Medication
        fields = ["name", "drug_class", "regular", "started_on", "stopped_on"]
        labels = {
            "drug_class": "Kind of medicine or supplement",
            "regular": "I take it every day (a one-tap “took it” on Today)",
            "started_on": "Started on",
            "stopped_on": "Stopped on",
        }
        help_texts = {"drug_class": "Quinine: take it only as a doctor prescribed it (see the note once added)."}
        widgets = {
            "started_on": forms.DateInput(attrs={"type": "date"}),
            "stopped_on": forms.DateInput(attrs={"type": "date"}),
        }


class TokenForm(forms.Form):
    name = forms.CharField(max_length=80, help_text="For example “phone shortcut”.")


class DeleteAccountForm(forms.Form):
    password = forms.CharField(
        label="Your password", widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )


class PasswordChangeForm(DjangoPasswordChangeForm):
    """Django's form (current password, new password twice, the password validators),
    with the current password checked through authenticate(): a wrong one counts toward
    the sign-in lockout like a failed login."""

    def __init__(self, user, *args, request=None, **kwargs):
        self.request = request
        super().__init__(user, *args, **kwargs)

    def clean_old_password(self):
        from accounts.services import password_confirm

        old = self.cleaned_data["old_password"]
        try:
            password_confirm(request=self.request, user=self.user, password=old)
        except ValidationError as error:
            raise forms.ValidationError(
                "Your current password was entered incorrectly.", code="password_incorrect"
            ) from error
        return old
