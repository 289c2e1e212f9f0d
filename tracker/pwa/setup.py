"""The first-run set-up after signup: a few short, skippable steps — the daily goal,
usual sleep hours and reminders on this device."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse

from accounts import goals
from accounts import services as accounts_services
from reminders import plans
from tracker.logbook import units
from tracker.logbook.forms import add_service_errors
from tracker.pwa.forms import GoalForm, SleepForm

# The profile's usual sleep window (accounts.User, issue 9): it marks night cramps, and
# the reminders' waking window follows it.
SLEEP_FIELDS = ("sleep_starts_at", "sleep_ends_at")
STEP_TITLES = {"goal": "Daily goal", "sleep": "Sleep", "reminders": "Reminders"}


def steps() -> list[str]:
    return list(STEP_TITLES)


def formula_text(user) -> str:
    ml = lambda value: units.format_volume(value, user)  # noqa: E731
    return (
        f"{goals.ML_PER_KG} ml per kg of body weight ({ml(goals.DEFAULT_BASE_ML)} without a weight), "
        f"+{ml(goals.PREGNANCY_EXTRA_ML)} in pregnancy and +{ml(goals.EXERCISE_ML_PER_HOUR)} per hour of logged "
        f"exercise, rounded to 50 ml and kept within {ml(goals.MIN_GOAL_ML)}–{ml(goals.MAX_GOAL_ML)}."
    )


@login_required
def welcome(request, step: str = "goal"):
    order = steps()
    if step not in order:
        raise Http404
    user = request.user
    index = order.index(step)
    next_url = reverse("welcome-step", args=[order[index + 1]]) if index + 1 < len(order) else reverse("today")
    form = None
    if step == "goal":
        form = GoalForm(request.POST or None, user=user)
        if request.method == "POST" and form.is_valid():
            try:
                accounts_services.profile_update(user=user, **form.service_fields())
            except ValidationError as error:
                add_service_errors(form, error, rename=GoalForm.rename)
            else:
                messages.success(request, f"Daily goal: {units.format_volume(user.goal_ml, user)}.")
                return redirect(next_url)
    elif step == "sleep":
        initial = {name: getattr(user, name) for name in SLEEP_FIELDS}
        form = SleepForm(request.POST or None, initial=initial)
        if request.method == "POST" and form.is_valid():
            try:
                with transaction.atomic():
                    accounts_services.profile_update(user=user, **form.cleaned_data)
                    # Reminders keep to the waking hours.
                    plans.plan_update(
                        plan=plans.plan_get(user=user),
                        window_start=form.cleaned_data["sleep_ends_at"],
                        window_end=form.cleaned_data["sleep_starts_at"],
                    )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, "Saved: reminders keep to your waking hours.")
                return redirect(next_url)
    context = {
        "step": step,
        "steps": [(name, STEP_TITLES[name]) for name in order],
        "number": index + 1,
        "form": form,
        "next_url": next_url,
        "last": index + 1 == len(order),
        "formula": formula_text(user),
        "suggested": units.format_volume(user.suggested_goal_ml, user),
        "vapid_public_key": settings.VAPID_PUBLIC_KEY,
        "plan": plans.plan_get(user=user) if step == "reminders" else None,
    }
    return render(request, "pwa/welcome.html", context, status=400 if form is not None and form.errors else 200)
