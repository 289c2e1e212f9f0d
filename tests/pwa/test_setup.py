"""The first run (a short, skippable set-up after signup) and the rebuilt Reminders
page: local times labelled, human channel names, one primary action, and the webhook
signing secret shown once, with rotation on the page and in the API."""

import re
from decimal import Decimal

import pytest

from accounts.models import User
from reminders import dispatch, plans
from reminders.models import Delivery, Plan, PushSubscription
from tests.conftest import PASSWORD
from tracker.pwa import setup


@pytest.fixture(autouse=True)
def no_broker(monkeypatch):
    monkeypatch.setattr(dispatch, "deliveries_enqueue", lambda **kw: 0)


def test_signup_leads_to_the_set_up_and_every_step_can_be_skipped(client, db):
    response = client.post(
        "/signup/", {"email": "erin@example.com", "password": PASSWORD, "timezone": "America/New_York"}
    )
    assert response.status_code == 302 and response["Location"] == "/login/?next=/welcome/"
    response = client.post(response["Location"], {"email": "erin@example.com", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/welcome/"
    url = "/welcome/"
    seen = []
    while url != "/":
        page = client.get(url)
        assert page.status_code == 200
        seen.append(re.search(rb'aria-current="step">\d\. (\w+)', page.content).group(1).decode())
        url = re.search(rb'<a (?:role="button" )?href="([^"]+)">(?:Skip this step|Finish and open Today)', page.content)
        url = url.group(1).decode()
    assert seen == [setup.STEP_TITLES[s].split()[0] for s in setup.steps()]
    erin = User.objects.get(email="erin@example.com")
    assert erin.body_weight_kg is None and erin.daily_goal_ml is None  # skipping changed nothing


def test_the_goal_step_takes_an_optional_weight_and_shows_the_formula(client, alice):
    client.force_login(alice)
    page = client.get("/welcome/")
    assert b"30 ml per kg of body weight (2,000 ml without a weight)" in page.content
    assert b"For you now: <strong>2,000 ml</strong>" in page.content
    response = client.post("/welcome/", {"units": "metric", "body_weight": "72", "daily_goal": ""})
    assert response.status_code == 302 and response["Location"] == f"/welcome/{setup.steps()[1]}/"
    alice.refresh_from_db()
    # 72 kg x 30 ml = 2,160 ml, rounded to the nearest 50 ml (accounts/goals.py).
    assert alice.body_weight_kg == Decimal("72.0") and alice.daily_goal_ml is None and alice.goal_ml == 2150


def test_the_goal_step_in_us_units_and_a_bad_weight(client, alice):
    alice.units = "us"
    alice.save()
    client.force_login(alice)
    response = client.post("/welcome/", {"units": "us", "body_weight": "-3", "daily_goal": "80"})
    assert response.status_code == 400 and b"greater than or equal to 1" in response.content
    client.post("/welcome/", {"units": "us", "body_weight": "154", "daily_goal": "80"})
    alice.refresh_from_db()
    assert alice.body_weight_kg == Decimal("69.9") and alice.daily_goal_ml == 2366  # 80 US fl oz


def test_the_sleep_step_sets_the_reminder_window_when_the_profile_has_sleep_hours(client, alice):
    client.force_login(alice)
    response = client.post("/welcome/sleep/", {"sleep_starts_at": "23:30", "sleep_ends_at": "07:15"})
    assert response.status_code == 302
    plan = Plan.objects.get(user=alice)
    assert (plan.window_start.strftime("%H:%M"), plan.window_end.strftime("%H:%M")) == ("07:15", "23:30")
    # The same hours are the profile's sleep window, which marks night cramps.
    alice.refresh_from_db()
    assert (alice.sleep_starts_at.strftime("%H:%M"), alice.sleep_ends_at.strftime("%H:%M")) == ("23:30", "07:15")
    # The step opens on what the profile holds.
    assert 'value="23:30"' in client.get("/welcome/sleep/").content.decode()


def test_the_reminders_step_offers_install_notifications_and_a_test(client, alice, bob, settings):
    settings.VAPID_PUBLIC_KEY = "BPublicKeyForThePage"
    client.force_login(alice)
    page = client.get("/welcome/reminders/").content.decode()
    assert "Install the app" in page and "Add to Home Screen" in page
    assert 'data-vapid-key="BPublicKeyForThePage"' in page and "Allow notifications on this device" in page
    response = client.post("/reminders/test/", {"next": "/welcome/reminders/"})
    assert response["Location"] == "/welcome/reminders/"
    assert Delivery.objects.for_user(alice).filter(kind="test").count() == 1
    # Only a path of this site is followed (bob: test sends may be rate-limited per user).
    client.force_login(bob)
    assert client.post("/reminders/test/", {"next": "https://evil.example/"})["Location"] == "/reminders/"


def test_an_unknown_step_is_a_404(client, alice):
    client.force_login(alice)
    assert client.get("/welcome/nope/").status_code == 404


# ---------------------------------------------------------------- the Reminders page


def test_the_reminders_page_labels_local_times_and_names_channels_for_people(client, bob):
    plan = plans.plan_get(user=bob)
    plans.plan_update(plan=plan, channels=["in_app", "push"])
    Delivery.objects.create(user=bob, kind="test", slot=plan.next_due_at, channel="push", status="sent")
    client.force_login(bob)
    page = client.get("/reminders/").content.decode()
    assert "(your local time, America/New_York)" in page
    assert "From (your local time)" in page and "Until (your local time)" in page
    assert "by in the app, push" in page
    assert "Push notifications (on a locked phone too)" in page
    assert "<td>Push</td>" in page and "<td>push</td>" not in page
    assert "(UTC)" not in page
    # One primary action: every other button is secondary or outlined. (The page's own
    # content, from its heading: the hidden travel banner above it has its own "Use <zone>".)
    main = page[page.index("<h1") :]
    primary = [b for b in re.findall(r"<button([^>]*)>([^<]*)", main) if "class=" not in b[0]]
    assert [text for _, text in primary] == ["Save reminders"]


def test_the_webhook_secret_is_shown_once_when_made_and_the_old_one_stops(client, alice):
    plan = plans.plan_get(user=alice)
    old = plan.webhook_secret
    client.force_login(alice)
    assert old not in client.get("/reminders/").content.decode()
    page = client.post("/reminders/webhook-secret/").content.decode()
    plan.refresh_from_db()
    assert plan.webhook_secret != old and plan.webhook_secret in page
    assert "it is not shown again" in page
    assert plan.webhook_secret not in client.get("/reminders/").content.decode()


def test_the_api_rotates_the_webhook_secret(alice_api, bob_api, alice, bob):
    bobs = plans.plan_get(user=bob).webhook_secret
    response = alice_api.post("/api/v1/reminders/webhook-secret/")
    assert response.status_code == 201
    secret = response.json()["webhook_secret"]
    assert len(secret) == 64 and Plan.objects.get(user=alice).webhook_secret == secret
    assert "webhook_secret" not in alice_api.get("/api/v1/reminders/plan/").json()
    assert Plan.objects.get(user=bob).webhook_secret == bobs


def test_allowing_push_adds_the_push_channel(alice_api, alice):
    response = alice_api.post(
        "/api/v1/reminders/push/subscription/",
        {"endpoint": "http://127.0.0.1:9/push/x", "keys": {"p256dh": "k" * 87, "auth": "a" * 22}},
        format="json",
    )
    assert response.status_code == 201
    assert plans.plan_get(user=alice).channels == ["in_app", "push"]
    stored = PushSubscription.objects.get(user=alice)
    assert (stored.endpoint, stored.p256dh, stored.auth) == ("http://127.0.0.1:9/push/x", "k" * 87, "a" * 22)
