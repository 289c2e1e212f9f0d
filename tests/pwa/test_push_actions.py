"""A push reminder on a locked phone, in Chromium: the pipeline encrypts the payload for
a subscription (RFC 8291) and signs it with VAPID; our push endpoint decrypts it and the
DevTools protocol hands it to the service worker, which shows the notification with
"Drank 250 ml" and "Snooze 1 h". Running the drink action posts the signed one-tap link
from the worker, logs one drink, and replaces the reminder with a confirmation."""

import json
import os

import http_ece
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.utils import timezone

from reminders import actions, dispatch, push, sending
from reminders.models import Delivery, Kind, PushSubscription, Status
from tests.pwa.worker import ShownNotifications, registration_id, wait_for_worker
from tests.reminders.conftest import make_plan
from tests.reminders.test_channels import Receiver, b64u, verify_vapid
from tests.reminders.test_channels import vapid as vapid
from tracker.logbook.models import Intake


class PushEndpoint:
    """A push service of our own: it checks VAPID, decrypts with the browser's keys
    and keeps the plaintext the browser would get."""

    def __init__(self, server_key):
        self.browser_key = ec.generate_private_key(ec.SECP256R1())
        self.auth_secret = os.urandom(16)
        self.messages = []

        def check(handler, body):
            verify_vapid(handler.headers["Authorization"], server_key, f"http://127.0.0.1:{self.receiver.port}")
            self.messages.append(
                http_ece.decrypt(body, private_key=self.browser_key, auth_secret=self.auth_secret).decode()
            )
            return 201

        self.receiver = Receiver(check)

    def subscribe(self, user) -> PushSubscription:
        public = self.browser_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return PushSubscription.objects.create(
            user=user,
            endpoint=f"http://127.0.0.1:{self.receiver.port}/push/{user.pk}",
            p256dh=b64u(public),
            auth=b64u(self.auth_secret),
        )


@pytest.fixture
def endpoint(vapid):
    endpoint = PushEndpoint(vapid)
    yield endpoint
    endpoint.receiver.close()


@pytest.fixture
def no_broker(monkeypatch):
    # The test sends its delivery in this process; nothing else should be published.
    monkeypatch.setattr(dispatch, "deliveries_enqueue", lambda **kw: 0)


def push_a_reminder(user, endpoint) -> str:
    row = Delivery.objects.create(user=user, kind=Kind.TEST, slot=timezone.now(), channel="push")
    sending.deliveries_send(delivery_ids=[row.id])
    row.refresh_from_db()
    assert row.status == Status.SENT, row.error
    return endpoint.messages[-1]


def test_the_push_payload_offers_the_first_preset_in_the_users_units(endpoint, no_broker, alice):
    alice.units = "us"
    alice.drink_presets = [{"label": "Can", "volume_ml": 355, "beverage": "electrolyte_drink"}]
    alice.save()
    endpoint.subscribe(alice)
    make_plan(alice, channels=["push"])
    data = json.loads(push_a_reminder(alice, endpoint))
    assert data["title"] == "Test reminder: time for a drink" and "fl oz" in data["body"]
    assert [a["title"] for a in data["actions"]] == ["Drank 12 fl oz electrolyte drink", "Snooze 1 h"]
    # The link logs what the preset names.
    drink = data["actions"][0]["url"].removeprefix("http://testserver")
    done, text = actions.action_perform(action="drink", token=drink.split("/")[3])
    assert done and text == "Logged 12 fl oz of electrolyte drink."
    intake = Intake.objects.for_user(alice).get()
    assert (intake.volume_ml, intake.beverage) == (355, "electrolyte_drink")
    assert push.first_preset(alice) == (355, "electrolyte_drink")


@pytest.mark.browser
def test_a_pushed_reminder_shows_its_actions_and_drank_logs_one_drink(
    alice_page, browser_context, live_server, endpoint, no_broker, alice
):
    page = alice_page
    browser_context.grant_permissions(["notifications"], origin=live_server.url)
    page.goto("/")
    wait_for_worker(page)
    cdp = browser_context.new_cdp_session(page)
    registration = registration_id(page, cdp, live_server)
    notifications = ShownNotifications(page, live_server)

    endpoint.subscribe(alice)
    make_plan(alice, channels=["push"])
    plaintext = push_a_reminder(alice, endpoint)

    def deliver(data):
        cdp.send(
            "ServiceWorker.deliverPushMessage",
            {"origin": live_server.url, "registrationId": registration, "data": data},
        )

    def tap_drank(tag):
        # As a tap on "Drank 250 ml": nothing can click a system notification here.
        message = "{type: 'notification-action', tag, action: 'drink'}"
        page.evaluate(f"(tag) => navigator.serviceWorker.controller.postMessage({message})", tag)

    deliver(plaintext)
    [shown] = notifications.after(1)
    assert shown["title"] == "Test reminder: time for a drink"
    assert "0 ml of 2,000 ml so far" in shown["body"]
    assert shown["actions"] == ["Drank 250 ml", "Snooze 1 h"]

    # The worker posts the signed link and replaces the reminder; no page opens.
    pages_before = len(browser_context.pages)
    tap_drank(shown["tag"])
    assert [n["title"] for n in notifications.after(2)] == ["Logged 250 ml of water."]
    assert Intake.objects.for_user(alice).count() == 1
    assert len(browser_context.pages) == pages_before

    # The same reminder again (a repeated push) and the same tap: nothing twice.
    deliver(plaintext)
    assert [n["title"] for n in notifications.after(3)] == [shown["title"]]
    tap_drank(shown["tag"])
    assert [n["title"][:12] for n in notifications.after(4)] == ["Already done"]
    intake = Intake.objects.for_user(alice).get()
    assert (intake.volume_ml, intake.beverage) == (250, "water")
    assert page.console_errors == []
