from django import forms

from reminders.models import CHANNEL_NAMES, Plan

WEEKDAYS = [(0, "Mon"), (1, "Tue"), (2, "Wed"), (3, "Thu"), (4, "Fri"), (5, "Sat"), (6, "Sun")]
# Human names for the channels (the API keeps the short ones).
CHANNEL_LABELS = {
    "email": "Email",
    "in_app": "In the app",
    "push": "Push notifications (on a locked phone too)",
    "webhook": "Webhook (your own service)",
}
CHANNEL_SHORT_LABELS = {"email": "Email", "in_app": "In the app", "push": "Push", "webhook": "Webhook"}


class PlanForm(forms.ModelForm):
    channels = forms.MultipleChoiceField(
        choices=[(name, CHANNEL_LABELS[name]) for name in CHANNEL_NAMES],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    webhook_url = forms.URLField(required=False, max_length=500, assume_scheme="https", label="Webhook address (https)")
    quiet_days = forms.TypedMultipleChoiceField(
        choices=WEEKDAYS,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label="No reminders on",
    )

    class Meta:
        model = Plan
        fields = [
            "enabled",
            "window_start",
            "window_end",
            "interval_minutes",
            "smart",
            "checkin_prompt",
            "channels",
            "quiet_days",
            "webhook_url",
        ]
        widgets = {
            "window_start": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "window_end": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }
        labels = {
            "enabled": "Send me reminders",
            "window_start": "From (your local time)",
            "window_end": "Until (your local time)",
            "interval_minutes": "Every (minutes)",
            "smart": "Smart pacing: skip a reminder when I am on pace, stop when I reach my goal",
            "checkin_prompt": "Ask for the day's check-in at the end of the window",
        }
