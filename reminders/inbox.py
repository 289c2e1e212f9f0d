"""What a user's devices hold: the in-app notification list and Web Push subscriptions."""

from django.core.exceptions import ValidationError
from django.utils import timezone

from reminders.models import Notification, PushSubscription
from reminders.outbound import url_allowed


def notifications_mark_read(*, user, ids: list[int] | None = None) -> int:
    qs = Notification.objects.for_user(user).unread()
    if ids is not None:
        qs = qs.filter(id__in=ids)
    return qs.update(read=True)


MAX_PUSH_SUBSCRIPTIONS = 10  # per user; each is a call when a reminder goes out


def push_subscribe(*, user, endpoint: str, p256dh: str, auth: str) -> PushSubscription:
    """Add or refresh this browser's subscription for `user`. Only the user's own row is
    looked up or changed: another account's row for the same endpoint stays theirs."""
    if reason := url_allowed(endpoint):
        raise ValidationError({"endpoint": reason})
    subscription, _ = PushSubscription.objects.for_user(user).update_or_create(
        user=user, endpoint=endpoint, defaults={"p256dh": p256dh, "auth": auth, "created_at": timezone.now()}
    )
    # Browsers come and go; the oldest subscriptions beyond the cap are dropped.
    keep = PushSubscription.objects.for_user(user).order_by("-created_at", "-id")[:MAX_PUSH_SUBSCRIPTIONS]
    PushSubscription.objects.for_user(user).exclude(id__in=list(keep.values_list("id", flat=True))).delete()
    return subscription


def push_unsubscribe(*, user, endpoint: str) -> int:
    return PushSubscription.objects.for_user(user).filter(endpoint=endpoint).delete()[0]
