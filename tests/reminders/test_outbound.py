"""Outbound calls end on time and read a bounded answer, whatever the receiver does."""

import time

import pytest
import requests
from django.utils import timezone

from reminders import dispatch, sending
from reminders.models import Delivery, Kind, Status
from reminders.outbound import outbound_session
from tests.reminders.conftest import make_plan
from tests.reminders.receivers import RawReceiver, drip, endless_body


@pytest.fixture(autouse=True)
def short_deadline(settings):
    settings.OUTBOUND_DEADLINE_SECONDS = 2
    settings.OUTBOUND_ALLOW_PRIVATE = True
    return settings


def test_a_receiver_dripping_one_byte_every_two_seconds_is_cut_off_at_the_deadline():
    with RawReceiver(drip(every=1.5)) as receiver:
        started = time.monotonic()
        with pytest.raises(requests.Timeout, match="within 2 s"):
            outbound_session().post(receiver.url, data=b"{}", timeout=5, allow_redirects=False)
        elapsed = time.monotonic() - started
    assert 1.9 < elapsed < 3.0, elapsed


def test_only_a_bounded_part_of_a_huge_answer_is_read(settings):
    settings.OUTBOUND_MAX_RESPONSE_BYTES = 1000
    with RawReceiver(endless_body()) as receiver:
        started = time.monotonic()
        response = outbound_session().post(receiver.url, data=b"{}", timeout=5, allow_redirects=False)
        elapsed = time.monotonic() - started
    assert response.status_code == 200
    assert len(response.content) == 1000
    assert elapsed < 1.5, elapsed


def test_a_dripping_webhook_is_recorded_as_a_timeout_and_retried(db, alice, monkeypatch):
    monkeypatch.setattr(dispatch, "deliveries_enqueue", lambda **kw: 0)
    with RawReceiver(drip(every=1.5)) as receiver:
        make_plan(alice, channels=["webhook"], webhook_url=receiver.url)
        row = Delivery.objects.create(user=alice, kind=Kind.TEST, slot=timezone.now(), channel="webhook")
        started = time.monotonic()
        counts = sending.deliveries_send(delivery_ids=[row.id])
        elapsed = time.monotonic() - started
    row.refresh_from_db()
    assert counts == {"retry": 1}
    assert (row.status, row.attempts) == (Status.PENDING, 1)
    assert "within 2 s" in row.error
    assert elapsed < 3.0, elapsed


def test_a_dripping_push_endpoint_is_recorded_as_a_timeout_and_retried(db, alice, settings, monkeypatch):
    import base64
    import os

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    from reminders.models import PushSubscription

    def b64u(raw: bytes) -> str:
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    server_key = ec.generate_private_key(ec.SECP256R1())
    settings.VAPID_PRIVATE_KEY = b64u(server_key.private_numbers().private_value.to_bytes(32, "big"))
    settings.VAPID_PUBLIC_KEY = b64u(
        server_key.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    )
    browser_key = ec.generate_private_key(ec.SECP256R1()).public_key()
    browser_public = browser_key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    monkeypatch.setattr(dispatch, "deliveries_enqueue", lambda **kw: 0)
    with RawReceiver(drip(every=1.5)) as receiver:
        make_plan(alice, channels=["push"])
        PushSubscription.objects.create(
            user=alice,
            endpoint=receiver.url,
            p256dh=b64u(browser_public),
            auth=b64u(os.urandom(16)),
        )
        row = Delivery.objects.create(user=alice, kind=Kind.TEST, slot=timezone.now(), channel="push")
        started = time.monotonic()
        counts = sending.deliveries_send(delivery_ids=[row.id])
        elapsed = time.monotonic() - started
    row.refresh_from_db()
    assert counts == {"retry": 1}
    assert row.status == Status.PENDING and "within 2 s" in row.error, row.error
    assert elapsed < 3.0, elapsed
