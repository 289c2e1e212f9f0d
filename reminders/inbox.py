"""What a user's devices hold: the in-app notification list and Web Push subscriptions."""

from django.core.exceptions import ValidationError

from reminders.models import Notification, PushSubscription
from reminders.outbound import url_allowed


def notifications_mark_read(*, user, ids: list[int] | None = None) -> int:
    qs = Notification.objects.for_user(user).unread()
    if ids is not None:
        qs = qs.filter(id__in=ids)
    return qs.update(read=True)


def push_subscribe(*, user, endpoint: str, p256dh: str, auth: str) -> PushSubscription:
    if reason := url_allowed(endpoint):
        raise ValidationError({"endpoint": reason})
    subscription, _ = PushSubscription.objects.update_or_create(
        endpoint=endpoint, defaults={"user": user, "p256dh": p256dh, "auth": auth}
    )
    return subscription


def push_unsubscribe(*, user, endpoint: str) -> int:
    return PushSubscription.objects.for_user(user).filter(endpoint=endpoint).delete()[0]
