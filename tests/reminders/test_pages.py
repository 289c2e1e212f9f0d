import pytest

from reminders import dispatch
from reminders.models import Delivery, Notification, Plan


@pytest.fixture(autouse=True)
def no_broker(monkeypatch):
    monkeypatch.setattr(dispatch, "deliveries_enqueue", lambda **kw: 0)


def test_the_settings_page_saves_the_plan(client, alice):
    client.force_login(alice)
    page = client.get("/reminders/")
    assert page.status_code == 200 and b"Send a test reminder now" in page.content
    response = client.post(
        "/reminders/",
        {
            "enabled": "on",
            "window_start": "09:00",
            "window_end": "18:00",
            "interval_minutes": "45",
            "smart": "on",
            "channels": ["in_app", "email"],
            "quiet_days": ["6"],
            "webhook_url": "",
        },
    )
    assert response.status_code == 302
    plan = Plan.objects.get(user=alice)
    assert (plan.interval_minutes, plan.channels, plan.quiet_days) == (45, ["in_app", "email"], [6])


def test_the_settings_page_explains_a_bad_interval(client, alice):
    client.force_login(alice)
    response = client.post(
        "/reminders/", {"enabled": "on", "window_start": "09:00", "window_end": "18:00", "interval_minutes": "5"}
    )
    assert response.status_code == 400 and b"15" in response.content


def test_the_test_button_queues_a_reminder_per_channel(client, alice):
    client.force_login(alice)
    client.post("/reminders/test/")
    assert list(Delivery.objects.for_user(alice).values_list("kind", "channel")) == [("test", "in_app")]


def test_snooze_buttons(client, alice):
    client.force_login(alice)
    client.post("/reminders/snooze/", {"for": "today"})
    assert Plan.objects.get(user=alice).snoozed_until is not None
    client.post("/reminders/snooze/", {"for": "clear"})
    assert Plan.objects.get(user=alice).snoozed_until is None


def test_the_nav_shows_the_unread_badge_and_creates_the_plan(client, alice, bob):
    Notification.objects.create(user=alice, title="Drink", body="b")
    Notification.objects.create(user=bob, title="Bob's", body="b")
    client.force_login(alice)
    from django.template import engines
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.user = alice
    request.session = client.session
    from reminders.context_processors import notifications

    context = notifications(request)
    assert context == {"unread_notifications": 1}
    html = engines["jinja2"].get_template("reminders/_nav.html").render({**context, "user": alice})
    assert 'aria-label="1 unread"' in html
    assert Plan.objects.filter(user=alice).exists()


def test_the_notifications_page_lists_only_ones_own_and_marks_read(client, alice, bob):
    Notification.objects.create(user=alice, title="For alice", body="b")
    Notification.objects.create(user=bob, title="For bob", body="b")
    client.force_login(alice)
    page = client.get("/notifications/")
    assert b"For alice" in page.content and b"For bob" not in page.content
    client.post("/notifications/")
    assert not Notification.objects.for_user(alice).unread().exists()
    assert Notification.objects.for_user(bob).unread().exists()


def test_the_service_worker_is_served_from_the_root_scope(client):
    response = client.get("/sw.js")
    assert response.status_code == 200 and response["Service-Worker-Allowed"] == "/"
    assert response["Content-Type"].startswith("application/javascript")


def test_pages_need_a_login(client):
    assert client.get("/reminders/").status_code == 302
    assert client.get("/notifications/").status_code == 302


def test_today_and_other_pages_show_the_same_unread_count_of_ones_own_notifications(client, alice, bob):
    """Today reads the count in its one statement, other pages in the context processor."""
    for title in ("Drink", "Check in"):
        Notification.objects.create(user=alice, title=title, body="b")
    Notification.objects.create(user=bob, title="Bob's", body="b")
    client.force_login(alice)
    for path in ("/", "/history/"):
        html = client.get(path).content.decode()
        assert 'aria-label="2 unread"' in html and "(2 unread notifications)" in html, path
