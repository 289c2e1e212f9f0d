"""Setting up the channels that leave the app: turning push on for a browser in one
step, and the webhook signing secret, which is shown once and can be replaced."""

from django.db import transaction

from reminders import inbox, plans
from reminders.models import Plan, PushSubscription, new_secret


def push_enable(*, user, endpoint: str, p256dh: str, auth: str) -> PushSubscription:
    """Subscribe this browser and add push to the plan's channels: allowing
    notifications is the user's whole answer, with no second box to tick."""
    with transaction.atomic():
        subscription = inbox.push_subscribe(user=user, endpoint=endpoint, p256dh=p256dh, auth=auth)
        plan = plans.plan_get(user=user)
        if "push" not in plan.channels:
            plans.plan_update(plan=plan, channels=[*plan.channels, "push"])
    return subscription


def webhook_secret_rotate(*, plan: Plan) -> str:
    """A new signing secret for the plan's webhook; the old one stops working at once.
    Returned so the page or the API can show it, the one time it is shown."""
    plan.webhook_secret = new_secret()
    plan.save(update_fields=["webhook_secret", "updated_at"])
    return plan.webhook_secret
