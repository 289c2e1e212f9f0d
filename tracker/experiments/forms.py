from django import forms

from tracker.experiments import design


class ExperimentForm(forms.Form):
    intervention = forms.ChoiceField(
        label="What do you want to test?",
        choices=design.INTERVENTION_CHOICES,
        widget=forms.RadioSelect,
    )
    label = forms.CharField(
        label="Your name for it", max_length=60, required=False, help_text="Needed for “Something else”."
    )
    block_days = forms.TypedChoiceField(
        label="Length of each block",
        choices=[(7, "1 week"), (14, "2 weeks")],
        coerce=int,
        initial=7,
        widget=forms.RadioSelect,
        help_text="Two-week blocks give a change that works slowly time to show.",
    )
    pairs = forms.IntegerField(
        label="Pairs of on/off blocks",
        min_value=design.MIN_PAIRS,
        max_value=design.MAX_PAIRS,
        initial=design.DEFAULT_PAIRS,
    )
    run_in_days = forms.IntegerField(
        label="Run-in (days)",
        min_value=design.MIN_RUN_IN_DAYS,
        max_value=design.MAX_RUN_IN_DAYS,
        initial=design.DEFAULT_RUN_IN_DAYS,
        help_text="Your baseline: live as usual and log every day.",
    )
    washout_days = forms.IntegerField(
        label="Washout (days left out at the start of each block)",
        min_value=0,
        max_value=max(design.BLOCK_DAYS_CHOICES) - design.MIN_ANALYSED_DAYS,
        initial=design.DEFAULT_WASHOUT_DAYS,
        help_text="The last block's effect wears off and the new one sets in.",
    )
    starts_on = forms.DateField(label="Start on", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))


class AdherenceForm(forms.Form):
    followed = forms.TypedChoiceField(choices=[("yes", "Yes"), ("no", "No")], coerce=lambda v: v == "yes")
    # Empty for today; yesterday's date when Today asks about a day left unanswered.
    day = forms.DateField(required=False, widget=forms.HiddenInput)
