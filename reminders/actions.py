"""Carrying out what a signed link asks: a one-tap action (once per reminder slot and
action, however often the link is posted) or the email unsubscribe."""

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Units, User
from reminders.links import ActionRefused, ActionRequest, action_read, unsubscribe_read
from reminders.models import ActionUse, Plan
from reminders.plans import plan_get, plan_snooze_for
from reminders.wording import format_volume
from tracker.logbook.models import Beverage
from tracker.logbook.services import intake_log


def action_prompt(request: ActionRequest) -> tuple[str, str]:
    """The question and the button a one-tap link's page shows, in the user's units."""
    if request.action != "drink":
        return "Snooze reminders for an hour?", "Snooze 1 h"
    units = User.objects.filter(pk=request.user_id).values_list("units", flat=True).first() or Units.METRIC
    volume = format_volume(request.ml, units)
    beverage = Beverage(request.beverage).label.lower() if request.beverage in Beverage.values else "a drink"
    return f"Log {volume} of {beverage}?", f"I drank {volume}"


def action_perform(*, action: str, token: str) -> tuple[bool, str]:
    """Carry out a one-tap action once. Returns (done now, what happened)."""
    request = action_read(action=action, token=token)
    user = User.objects.filter(pk=request.user_id, is_active=True).first()
    if user is None:
        raise ActionRefused("This link is not valid.")
    try:
        with transaction.atomic():
            ActionUse.objects.create(user=user, slot=request.slot, action=action)
            if action == "drink":
                intake = intake_log(user=user, taken_at=timezone.now(), volume_ml=request.ml, beverage=request.beverage)
                done = f"Logged {format_volume(request.ml, user.units)} of {intake.get_beverage_display().lower()}."
            else:
                plan_snooze_for(plan=plan_get(user=user))
                done = "Reminders snoozed for an hour."
    except IntegrityError:
        return False, "Already done: this link was used before, so nothing was logged again."
    return True, done


def email_unsubscribe(*, token: str) -> None:
    user_id = unsubscribe_read(token=token)
    plan = Plan.objects.filter(user_id=user_id).first()
    if plan and "email" in plan.channels:
        plan.channels = [c for c in plan.channels if c != "email"]
        plan.save(update_fields=["channels", "updated_at"])
