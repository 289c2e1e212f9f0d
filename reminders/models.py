import datetime as dt
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

MIN_INTERVAL_MINUTES = 15


def channel_choices():
    # A callable, so adding a channel to reminders.channels.CHANNELS needs no migration.
    return [(name, name.replace("_", "-")) for name in CHANNEL_NAMES]


# The names are the API contract (design §9); reminders.channels maps each to its class.
CHANNEL_NAMES = ("email", "in_app", "push", "webhook")


def validate_channels(value):
    if not isinstance(value, list) or any(item not in CHANNEL_NAMES for item in value):
        raise ValidationError(f"Choose channels from: {', '.join(CHANNEL_NAMES)}.")
    if len(set(value)) != len(value):
        raise ValidationError("Each channel may appear once.")


def validate_quiet_days(value):
    if not isinstance(value, list) or any(
        not isinstance(d, int) or isinstance(d, bool) or not 0 <= d <= 6 for d in value
    ):
        raise ValidationError("Quiet days are weekday numbers, 0 = Monday to 6 = Sunday.")
    if len(set(value)) != len(value):
        raise ValidationError("Each quiet day may appear once.")


def default_channels() -> list[str]:
    return ["in_app"]


def new_secret() -> str:
    return secrets.token_hex(32)


class Prompt(models.TextChoices):
    DRINK = "drink", "Drink"
    CHECKIN = "checkin", "Evening check-in"
    EVENT = "event", "Event"


class PlanQuerySet(models.QuerySet):
    def for_user(self, user):
        return self.filter(user=user)


class Plan(models.Model):
    """One reminder plan per user. New plans are on with the in-app channel only:
    the app exists to remind people to drink, and in-app reminders reach nobody
    outside the app; email, push and webhooks are opt-in."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminder_plan")
    enabled = models.BooleanField(default=True)
    window_start = models.TimeField(default=dt.time(8, 0))
    window_end = models.TimeField(default=dt.time(21, 0))
    interval_minutes = models.PositiveIntegerField(
        default=120, validators=[MinValueValidator(MIN_INTERVAL_MINUTES), MaxValueValidator(24 * 60)]
    )
    smart = models.BooleanField(default=True)
    checkin_prompt = models.BooleanField(default=True)
    channels = models.JSONField(default=default_channels, blank=True, validators=[validate_channels])
    webhook_url = models.URLField(blank=True, max_length=500)
    webhook_secret = models.CharField(max_length=64, default=new_secret)
    quiet_days = models.JSONField(default=list, blank=True, validators=[validate_quiet_days])
    snoozed_until = models.DateTimeField(null=True, blank=True)
    next_due_at = models.DateTimeField(null=True, blank=True)
    next_prompt = models.CharField(max_length=8, choices=Prompt.choices, default=Prompt.DRINK)
    # Set by the dispatcher run that moved next_due_at, so it can read back its own claims.
    dispatch_token = models.CharField(max_length=32, blank=True, default="")
    # The last test reminder: one a minute, claimed with a conditional UPDATE.
    test_sent_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PlanQuerySet.as_manager()

    class Meta:
        indexes = [
            # The dispatcher's "enabled plans due by now, in order": with `id` in the index a
            # batch is read from the index and stops at the LIMIT, with no sort of every due plan.
            models.Index(fields=["next_due_at", "id"], condition=models.Q(enabled=True), name="plan_due_order"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(interval_minutes__gte=MIN_INTERVAL_MINUTES), name="plan_interval_min_15"
            ),
        ]

    def __str__(self):
        return f"Reminder plan of {self.user}"


class Kind(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    TEST = "test", "Test"
    EVENT = "event", "Event"


class Status(models.TextChoices):
    PENDING = "pending", "Pending"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    EXPIRED = "expired", "Expired"
    SKIPPED = "skipped", "Skipped"


class DeliveryQuerySet(models.QuerySet):
    def for_user(self, user):
        return self.filter(user=user)


class Delivery(models.Model):
    """The outbox: one row per reminder and channel, whatever happens to it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.SCHEDULED)
    prompt = models.CharField(max_length=8, choices=Prompt.choices, default=Prompt.DRINK)
    slot = models.DateTimeField()
    channel = models.CharField(max_length=16, choices=channel_choices)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    claimed_until = models.DateTimeField(null=True, blank=True)
    claim_token = models.CharField(max_length=32, blank=True, default="")
    # Earliest time of the next attempt (backoff after a transient error).
    next_attempt_at = models.DateTimeField(default=timezone.now)
    # When a task for this row was last published (null: never, or the publish failed).
    # The sweep republishes only rows whose last publish is old, so a backlog the
    # workers are still working through is not published again every minute.
    queued_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True, default="")
    # Event reminders carry their text; scheduled ones are worded when sent.
    payload = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = DeliveryQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(
                fields=["user", "slot", "channel"],
                condition=models.Q(kind="scheduled"),
                name="delivery_scheduled_once_per_slot_channel",
            ),
        ]
        indexes = [
            # The sweep: pending rows to re-enqueue or expire, sending rows whose lease lapsed.
            models.Index(
                fields=["status", "next_attempt_at"],
                condition=models.Q(status__in=["pending", "sending"]),
                name="delivery_open",
            ),
            models.Index(fields=["claim_token"], condition=~models.Q(claim_token=""), name="delivery_claim_token"),
            # The user's delivery list, newest first.
            models.Index(fields=["user", "-id"], name="delivery_user"),
            # The prune task.
            models.Index(fields=["created_at"], name="delivery_created"),
        ]

    def __str__(self):
        return f"{self.kind} {self.channel} {self.slot:%Y-%m-%d %H:%M} ({self.status})"


class NotificationQuerySet(models.QuerySet):
    def for_user(self, user):
        return self.filter(user=user)

    def unread(self):
        return self.filter(read=False)


class Notification(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # One notification per delivery, so a repeated send records nothing twice.
    delivery = models.OneToOneField(Delivery, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    title = models.CharField(max_length=200)
    body = models.TextField()
    read = models.BooleanField(default=False)
    actions = models.JSONField(default=list, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        indexes = [
            # The unread badge on every page.
            models.Index(fields=["user"], condition=models.Q(read=False), name="notification_unread"),
            models.Index(fields=["user", "-id"], name="notification_user"),
        ]

    def __str__(self):
        return self.title


class PushSubscriptionQuerySet(models.QuerySet):
    def for_user(self, user):
        return self.filter(user=user)


class PushSubscription(models.Model):
    """A browser that accepts Web Push for its user. Unique per (user, endpoint): the
    same browser used by two accounts holds a row for each, and neither can take over
    or move the other's."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    endpoint = models.URLField(max_length=1000)
    p256dh = models.CharField(max_length=200)
    auth = models.CharField(max_length=100)
    created_at = models.DateTimeField(default=timezone.now)

    objects = PushSubscriptionQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "endpoint"], name="push_subscription_once_per_user")]

    def __str__(self):
        return self.endpoint[:60]

    def subscription_info(self) -> dict:
        return {"endpoint": self.endpoint, "keys": {"p256dh": self.p256dh, "auth": self.auth}}


class ActionUse(models.Model):
    """A one-tap action that was carried out. Unique per reminder slot and action, so
    the same link (or the same reminder on another channel) acts once."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    slot = models.DateTimeField()
    action = models.CharField(max_length=16)
    used_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "slot", "action"], name="action_once_per_slot")]
