"""One small class per channel behind one interface: `send(delivery)` delivers the
message the pipeline rendered onto `delivery.message` and raises ChannelError on
failure; `permanent=True` means retrying cannot help."""

import hashlib
import hmac
import json
import logging
import smtplib

import requests
from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from pywebpush import WebPushException, webpush

from reminders import push
from reminders.models import Notification, Plan, PushSubscription
from reminders.outbound import RefusedAddress, outbound_session, url_allowed

log = logging.getLogger(__name__)

HTTP_TIMEOUT = 5  # seconds, connect and read


class ChannelError(Exception):
    def __init__(self, message: str, *, permanent: bool = False):
        super().__init__(message)
        self.message = message
        self.permanent = permanent


def _http_error(response: requests.Response) -> ChannelError:
    # 4xx other than timeouts and throttling will not get better by retrying.
    permanent = 400 <= response.status_code < 500 and response.status_code not in (408, 425, 429)
    return ChannelError(f"HTTP {response.status_code} from the receiver", permanent=permanent)


class EmailChannel:
    def send(self, delivery) -> None:
        user = delivery.user
        if not user.email_verified:
            raise ChannelError("Email address not verified; confirm it from the link we sent.", permanent=True)
        message = delivery.message
        email = EmailMultiAlternatives(
            subject=message.title,
            body=message.text,
            to=[user.email],
            headers={
                "List-Unsubscribe": f"<{message.unsubscribe_url}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            },
            connection=get_connection(fail_silently=False),
        )
        email.attach_alternative(message.html, "text/html")
        try:
            email.send()
        except smtplib.SMTPRecipientsRefused as error:
            raise ChannelError(f"The mail server refused the address: {error}", permanent=True) from error
        except (smtplib.SMTPException, OSError) as error:
            raise ChannelError(f"Mail server error: {error}") from error


class InAppChannel:
    def send(self, delivery) -> None:
        message = delivery.message
        try:
            # Savepoint: a repeat (the row exists) must not break the caller's transaction.
            with transaction.atomic():
                Notification.objects.create(
                    user_id=delivery.user_id,
                    delivery=delivery,
                    title=message.title,
                    body=message.text,
                    actions=message.actions,
                )
        except IntegrityError:
            log.info("delivery %s already has its notification", delivery.id)

    def send_many(self, deliveries) -> None:
        # One INSERT for a chunk; a delivery that already has its notification is skipped.
        if connection.vendor != "postgresql":
            Notification.objects.bulk_create(
                [
                    Notification(
                        user_id=d.user_id,
                        delivery=d,
                        title=d.message.title,
                        body=d.message.text,
                        actions=d.message.actions,
                    )
                    for d in deliveries
                ],
                ignore_conflicts=True,
            )
            return
        # On PostgreSQL the chunk goes as one JSON document: building and quoting 500
        # model instances' placeholders was a third of a worker's time in a busy minute.
        rows = [
            {"u": d.user_id, "d": d.id, "t": d.message.title, "b": d.message.text, "a": d.message.actions}
            for d in deliveries
        ]
        with connection.cursor() as cursor:
            cursor.execute(
                _NOTIFICATIONS_INSERT, [timezone.now(), json.dumps(rows, cls=DjangoJSONEncoder, separators=(",", ":"))]
            )


_NOTIFICATIONS_INSERT = f"""
    INSERT INTO {Notification._meta.db_table} (user_id, delivery_id, created_at, title, body, read, actions)
    SELECT n.u, n.d, %s, n.t, n.b, false, n.a
    FROM jsonb_to_recordset(%s::jsonb) AS n(u bigint, d bigint, t text, b text, a jsonb)
    ON CONFLICT DO NOTHING
"""  # noqa: S608 -- a table name only; the rows are one parameter


class PushChannel:
    def send(self, delivery) -> None:
        if not (settings.VAPID_PRIVATE_KEY and settings.VAPID_PUBLIC_KEY):
            raise ChannelError("Web Push is not configured on this server (VAPID keys).", permanent=True)
        subscriptions = list(PushSubscription.objects.for_user(delivery.user))
        if not subscriptions:
            raise ChannelError("No browser is subscribed to push notifications.", permanent=True)
        message = delivery.message
        data = json.dumps(push.payload(delivery, message))
        session = outbound_session()
        delivered, errors = 0, []
        for subscription in subscriptions:
            if reason := url_allowed(subscription.endpoint):
                errors.append(ChannelError(reason, permanent=True))
                continue
            try:
                webpush(
                    subscription.subscription_info(),
                    data=data,
                    vapid_private_key=settings.VAPID_PRIVATE_KEY,
                    vapid_claims={"sub": settings.VAPID_CLAIM_EMAIL},
                    timeout=HTTP_TIMEOUT,
                    ttl=settings.REMINDER_SLOT_EXPIRY_MINUTES * 60,
                    requests_session=session,
                )
                delivered += 1
            except WebPushException as error:
                status = getattr(error.response, "status_code", None)
                if status in (404, 410):  # the browser dropped the subscription
                    subscription.delete()
                    errors.append(ChannelError("Subscription expired", permanent=True))
                elif error.response is not None:
                    errors.append(_http_error(error.response))
                else:
                    errors.append(ChannelError(str(error)))
            except RefusedAddress as error:
                errors.append(ChannelError(str(error), permanent=True))
            except requests.RequestException as error:
                errors.append(ChannelError(f"Push service unreachable: {error}"))
        if delivered == 0 and errors:
            raise ChannelError("; ".join(e.message for e in errors), permanent=all(e.permanent for e in errors))


def webhook_signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class WebhookChannel:
    def send(self, delivery) -> None:
        plan = Plan.objects.for_user(delivery.user).only("webhook_url", "webhook_secret").first()
        if plan is None or not plan.webhook_url:
            raise ChannelError("No webhook URL is set.", permanent=True)
        if reason := url_allowed(plan.webhook_url):
            raise ChannelError(reason, permanent=True)
        message = delivery.message
        body = json.dumps(
            {
                "id": delivery.id,
                "kind": delivery.kind,
                "prompt": delivery.prompt,
                "slot": delivery.slot.isoformat(),
                "title": message.title,
                "text": message.text,
                "actions": message.actions,
            },
            separators=(",", ":"),
        ).encode()
        headers = {
            "Content-Type": "application/json",
            "Idempotency-Key": str(delivery.id),
            "X-Signature-256": webhook_signature(plan.webhook_secret, body),
            "User-Agent": "cramp-tracker-reminders/1",
        }
        try:
            response = outbound_session().post(
                plan.webhook_url, data=body, headers=headers, timeout=HTTP_TIMEOUT, allow_redirects=False
            )
        except RefusedAddress as error:
            raise ChannelError(str(error), permanent=True) from error
        except requests.RequestException as error:
            raise ChannelError(f"Webhook unreachable: {error}") from error
        if not 200 <= response.status_code < 300:
            raise _http_error(response)


CHANNELS = {
    "email": EmailChannel(),
    "in_app": InAppChannel(),
    "push": PushChannel(),
    "webhook": WebhookChannel(),
}
