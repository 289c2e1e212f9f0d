from decimal import Decimal

from django import forms

from accounts.models import Units
from tracker.logbook import units


class GoalForm(forms.Form):
    """The daily goal step: weight optional, the goal blank for the suggested one."""

    units = forms.ChoiceField(choices=Units.choices, label="Units")
    body_weight = forms.DecimalField(required=False, min_value=Decimal("1"), max_digits=6, decimal_places=1)
    daily_goal = forms.DecimalField(required=False, min_value=Decimal("1"), max_digits=7, decimal_places=1)

    rename = {"body_weight_kg": "body_weight", "daily_goal_ml": "daily_goal"}

    def __init__(self, *args, user, **kwargs):
        self.user = user
        initial = {
            "units": user.units,
            "body_weight": units.kg_to_display(user.body_weight_kg, user),
            "daily_goal": units.ml_to_display(user.daily_goal_ml, user),
        }
        super().__init__(*args, initial=initial, **kwargs)
        self.fields["body_weight"].label = f"Body weight ({units.weight_unit(user)}, optional)"
        self.fields["body_weight"].widget.attrs.update(inputmode="decimal", step="any")
        self.fields["daily_goal"].label = f"Daily fluid goal ({units.volume_unit(user)})"
        self.fields["daily_goal"].widget.attrs.update(inputmode="decimal", step="any")
        self.fields["daily_goal"].help_text = "Leave it empty to use the suggested goal; it follows your weight."

    def service_fields(self) -> dict:
        data = self.cleaned_data
        # Amounts are read in the units the form was shown in (the units field changes later pages).
        return {
            "units": data["units"],
            "body_weight_kg": units.display_to_kg(data["body_weight"], self.user),
            "daily_goal_ml": None if data["daily_goal"] is None else units.display_to_ml(data["daily_goal"], self.user),
        }


class SleepForm(forms.Form):
    """Usual sleep hours (the profile's sleep window, which also marks night cramps); the
    reminders' waking window follows them, so no reminder comes at night."""

    sleep_starts_at = forms.TimeField(
        label="I usually go to sleep at (your local time)",
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    sleep_ends_at = forms.TimeField(
        label="I usually wake up at (your local time)", widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
