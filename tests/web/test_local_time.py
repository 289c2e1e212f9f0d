"""Times in the user's zone everywhere: a middleware activates it per request, so htmx
partials and pages outside base.html's block are local too; signup asks the zone."""

import datetime as dt

import time_machine
from django.urls import reverse

from accounts.models import User
from tests.conftest import PASSWORD
from tracker.logbook.models import Intake

# 14:05 UTC = 09:05 in New York.
NOW = dt.datetime(2026, 11, 10, 14, 5, tzinfo=dt.UTC)


def test_the_today_partial_after_a_one_tap_drink_shows_local_time(bob_client, bob):
    """Defect: the htmx partial rendered outside {% timezone %} and showed 14:05 (UTC)."""
    with time_machine.travel(NOW, tick=False):
        response = bob_client.post(reverse("drink-log"), {"preset": "0"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="today-panel"' in body and "<html" not in body
    assert '<span class="when">09:05</span>' in body
    assert "14:05" not in body


def test_the_partial_after_undo_shows_local_time(bob_client, bob):
    with time_machine.travel(NOW, tick=False):
        bob_client.post(reverse("drink-log"), {"preset": "0"})
    with time_machine.travel(NOW + dt.timedelta(minutes=1), tick=False):
        bob_client.post(reverse("drink-log"), {"preset": "1"})
        newest = Intake.objects.for_user(bob).order_by("-id").first()
        response = bob_client.post(
            reverse("entry-delete", args=["intake", newest.pk]), {"from": "today"}, HTTP_HX_REQUEST="true"
        )
    body = response.content.decode()
    assert '<span class="when">09:05</span>' in body and "14:05" not in body


def test_signup_without_a_timezone_asks_for_it_and_makes_no_account(client, db):
    """Defect: without JavaScript signup silently made a UTC account."""
    page = client.get(reverse("signup")).content.decode()
    assert '<option value="" selected>Choose your timezone…</option>' in page
    response = client.post(reverse("signup"), {"email": "ed@example.com", "password": PASSWORD, "timezone": ""})
    assert response.status_code == 400
    assert "Choose your timezone" in response.content.decode()
    assert not User.objects.filter(email="ed@example.com").exists()


def test_the_reminders_page_labels_times_as_local(bob_client):
    """Defect: the Reminders page labelled local times "(UTC)"."""
    body = bob_client.get(reverse("reminders-settings")).content.decode()
    assert "(UTC)" not in body and "When (your time)" in body


def test_the_travel_banner_updates_only_the_timezone(bob_client, bob):
    page = bob_client.get(reverse("today")).content.decode()
    assert 'data-user-timezone="America/New_York"' in page
    response = bob_client.post(reverse("timezone-update"), {"timezone": "Europe/Paris", "next": "/history/"})
    assert response.status_code == 302 and response["Location"] == "/history/"
    bob.refresh_from_db()
    assert bob.timezone == "Europe/Paris"


def test_the_travel_banner_refuses_an_unknown_zone_and_an_outside_redirect(bob_client, bob):
    response = bob_client.post(
        reverse("timezone-update"), {"timezone": "Mars/Olympus", "next": "https://evil.example/"}
    )
    assert response.status_code == 302 and response["Location"] == reverse("today")
    bob.refresh_from_db()
    assert bob.timezone == "America/New_York"
