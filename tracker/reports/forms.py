import datetime as dt

from django import forms

MAX_PRINT_DAYS = 731


class DateRangeForm(forms.Form):
    start = forms.DateField(label="From", widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label="To", widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            if end < start:
                raise forms.ValidationError("The end date must be on or after the start date.")
            if (end - start).days + 1 > MAX_PRINT_DAYS:
                raise forms.ValidationError(f"Choose at most {MAX_PRINT_DAYS} days.")
            if start < dt.date(1900, 1, 1):
                raise forms.ValidationError("Choose a date from 1900 onwards.")
        return data


class SummaryRangeForm(DateRangeForm):
    """The doctor's summary: two pages hold at most 12 weeks."""

    MAX_DAYS = 84

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and (end - start).days + 1 > self.MAX_DAYS:
            raise forms.ValidationError("Choose at most 12 weeks (84 days) for the doctor's summary.")
        return data


class WeeksForm(forms.Form):
    weeks = forms.IntegerField(min_value=2, max_value=52, required=False)
