"""Each channel against a real local receiver: SMTP (aiosmtpd), a Web Push endpoint
that decrypts the payload and checks the VAPID signature, a webhook receiver that
checks the HMAC. Only the far end is ours; the sending code is the production one."""

import base64
import hashlib
import hmac
import json
import os
import socket
import threading
import time
from email import message_from_bytes
from email.policy import default as email_policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import http_ece
import pytest
from aiosmtpd.controller import Controller
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from django.utils import timezone

from reminders import dispatch, inbox, plans, sending
from reminders.models import Delivery, Kind, PushSubscription, Status
from tests.reminders.conftest import make_plan


def b64u(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def unb64u(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@pytest.fixture(autouse=True)
def no_broker(monkeypatch):
    monkeypatch.setattr(dispatch, "deliveries_enqueue", lambda **kw: 0)


def send_test(user, channel) -> Delivery:
    row = Delivery.objects.create(user=user, kind=Kind.TEST, slot=timezone.now(), channel=channel)
    sending.deliveries_send(delivery_ids=[row.id])
    row.refresh_from_db()
    return row


# ---------------------------------------------------------------- email


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, envelope.content))
        return "250 OK"


@pytest.fixture
def smtp(settings):
    inbox = Inbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    yield inbox
    controller.stop()


def test_email_goes_through_smtp_with_text_html_and_list_unsubscribe(smtp, alice, client):
    alice.email_verified_at = timezone.now()
    alice.save()
    make_plan(alice, channels=["email"])
    row = send_test(alice, "email")
    assert row.status == Status.SENT
    [(rcpt, raw)] = smtp.messages
    assert rcpt == ["alice@example.com"]
    msg = message_from_bytes(raw, policy=email_policy)
    assert msg["Subject"] == "Test reminder: time for a drink"
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    assert "ml of 2,000 ml so far" in text and "I drank" in html
    unsubscribe = str(msg["List-Unsubscribe"]).strip().strip("<>").replace("http://testserver", "")
    assert client.post(unsubscribe).status_code == 200  # one-click, no session
    alice.reminder_plan.refresh_from_db()
    assert alice.reminder_plan.channels == []


def test_email_is_not_sent_to_an_unverified_address(smtp, alice):
    make_plan(alice, channels=["email"])
    row = send_test(alice, "email")
    assert row.status == Status.FAILED and "not verified" in row.error
    assert smtp.messages == []


# ---------------------------------------------------------------- receivers


class Receiver:
    """A local HTTP server; `check(handler, body)` returns the status to answer."""

    def __init__(self, check):
        self.requests = []
        self.paths = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.paths.append(self.path)
                status = check(self, body)
                receiver.requests.append((dict(self.headers), body, status))
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


# ---------------------------------------------------------------- web push


@pytest.fixture
def vapid(settings):
    key = ec.generate_private_key(ec.SECP256R1())
    raw_private = key.private_numbers().private_value.to_bytes(32, "big")
    public = key.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    settings.VAPID_PRIVATE_KEY = b64u(raw_private)
    settings.VAPID_PUBLIC_KEY = b64u(public)
    settings.VAPID_CLAIM_EMAIL = "mailto:ops@example.com"
    return key.public_key()


def verify_vapid(authorization: str, server_key, audience: str) -> dict:
    scheme, _, params = authorization.partition(" ")
    assert scheme == "vapid"
    fields = dict(part.strip().split("=", 1) for part in params.split(","))
    assert unb64u(fields["k"]) == server_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    header, payload, signature = fields["t"].split(".")
    raw = unb64u(signature)
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    server_key.verify(der, f"{header}.{payload}".encode(), ec.ECDSA(hashes.SHA256()))  # raises if forged
    claims = json.loads(unb64u(payload))
    assert claims["aud"] == audience and claims["exp"] > time.time() and claims["sub"] == "mailto:ops@example.com"
    return claims


def test_web_push_is_encrypted_for_the_subscription_and_signed_with_vapid(vapid, alice):
    browser_key = ec.generate_private_key(ec.SECP256R1())
    auth_secret = os.urandom(16)
    decrypted = []

    def check(handler, body):
        verify_vapid(handler.headers["Authorization"], vapid, f"http://127.0.0.1:{receiver.port}")
        assert handler.headers["Content-Encoding"] == "aes128gcm"
        decrypted.append(json.loads(http_ece.decrypt(body, private_key=browser_key, auth_secret=auth_secret)))
        return 201

    receiver = Receiver(check)
    try:
        PushSubscription.objects.create(
            user=alice,
            endpoint=f"http://127.0.0.1:{receiver.port}/push/abc",
            p256dh=b64u(
                browser_key.public_key().public_bytes(
                    serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
                )
            ),
            auth=b64u(auth_secret),
        )
        make_plan(alice, channels=["push"])
        row = send_test(alice, "push")
    finally:
        receiver.close()
    assert row.status == Status.SENT, row.error
    [(raw_headers, _body, _status)] = receiver.requests
    headers = {name.lower(): value for name, value in raw_headers.items()}  # HTTP names ignore case
    assert receiver.paths == ["/push/abc"]  # the subscription's own endpoint
    # A reminder is worth showing only while its slot lasts: the push service may keep it
    # 30 minutes (REMINDER_SLOT_EXPIRY_MINUTES' default), then drops it undelivered.
    assert headers["ttl"] == "1800"
    # No Urgency header: RFC 8030 section 5.3 then means "normal", right for a drink reminder
    # (not "high", which wakes a sleeping phone's radio at once).
    assert "urgency" not in headers
    [payload] = decrypted
    assert payload["title"] == "Test reminder: time for a drink"
    assert payload["tag"] == "reminder" and payload["url"] == "http://testserver/"
    # Alice has logged nothing against the 2,000 ml default goal.
    assert payload["body"].startswith("This is a test of your reminders. 0 ml of 2,000 ml so far")
    assert [(a["action"], a["title"]) for a in payload["actions"]] == [
        ("drink", "Drank 250 ml"),
        ("snooze", "Snooze 1 h"),
    ]


def test_a_gone_push_subscription_is_dropped(vapid, alice):
    receiver = Receiver(lambda handler, body: 410)
    key = ec.generate_private_key(ec.SECP256R1())
    try:
        PushSubscription.objects.create(
            user=alice,
            endpoint=f"http://127.0.0.1:{receiver.port}/push/gone",
            p256dh=b64u(
                key.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
            ),
            auth=b64u(os.urandom(16)),
        )
        row = send_test(alice, "push")
    finally:
        receiver.close()
    assert row.status == Status.FAILED
    assert not PushSubscription.objects.filter(user=alice).exists()


# ---------------------------------------------------------------- webhook


def test_the_webhook_is_signed_with_the_plans_secret_and_carries_an_idempotency_key(alice):
    plan = make_plan(alice, channels=["webhook"], webhook_url="http://127.0.0.1:1/placeholder")

    def check(handler, body):
        expected = "sha256=" + hmac.new(plan.webhook_secret.encode(), body, hashlib.sha256).hexdigest()
        return 200 if hmac.compare_digest(handler.headers["X-Signature-256"], expected) else 401

    receiver = Receiver(check)
    try:
        plans.plan_update(plan=plan, webhook_url=f"http://127.0.0.1:{receiver.port}/hook")
        row = send_test(alice, "webhook")
    finally:
        receiver.close()
    assert row.status == Status.SENT, row.error
    [(headers, body, status)] = receiver.requests
    assert status == 200
    assert headers["Idempotency-Key"] == str(row.id)
    assert json.loads(body)["id"] == row.id


def test_a_webhook_receiver_refusing_the_signature_fails_the_delivery_for_good(alice):
    receiver = Receiver(lambda handler, body: 401)
    try:
        make_plan(alice, channels=["webhook"], webhook_url=f"http://127.0.0.1:{receiver.port}/hook")
        row = send_test(alice, "webhook")
    finally:
        receiver.close()
    assert row.status == Status.FAILED and "401" in row.error


def test_a_server_error_from_the_webhook_is_retried_later(alice):
    receiver = Receiver(lambda handler, body: 503)
    try:
        make_plan(alice, channels=["webhook"], webhook_url=f"http://127.0.0.1:{receiver.port}/hook")
        row = send_test(alice, "webhook")
    finally:
        receiver.close()
    assert row.status == Status.PENDING and row.attempts == 1 and row.next_attempt_at > timezone.now()


@pytest.fixture
def production_outbound(settings):
    settings.OUTBOUND_ALLOW_PRIVATE = False


def test_in_production_a_webhook_host_resolving_to_loopback_is_refused_at_connect_time(production_outbound, alice):
    receiver = Receiver(lambda handler, body: 200)
    try:
        # Saving accepts it (a name, https); the address is checked when connecting.
        make_plan(alice, channels=["webhook"], webhook_url=f"https://localhost:{receiver.port}/hook")
        row = send_test(alice, "webhook")
    finally:
        receiver.close()
    assert row.status == Status.FAILED and "private address" in row.error
    assert receiver.requests == []


def test_in_production_plain_http_and_private_push_endpoints_are_refused(production_outbound, vapid, alice):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        make_plan(alice, channels=["webhook"], webhook_url="http://example.com/hook")
    with pytest.raises(ValidationError):
        inbox.push_subscribe(user=alice, endpoint="http://127.0.0.1:9/push", p256dh="x", auth="y")
    key = ec.generate_private_key(ec.SECP256R1())
    PushSubscription.objects.create(
        user=alice,
        endpoint="https://127.0.0.1:9/push",
        p256dh=b64u(
            key.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
        ),
        auth=b64u(os.urandom(16)),
    )
    row = send_test(alice, "push")
    assert row.status == Status.FAILED and "private address" in row.error, row.error
