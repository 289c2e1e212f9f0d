"""The quick cramp logger on /cramp/ knows when: now, earlier tonight, last night."""

import datetime as dt

import time_machine
from django.urls import reverse

from tests.web.conftest import ny
from tracker.logbook.models import Episode


def test_last_night_at_three_is_stored_at_three_local_and_counts_as_a_night_cramp(bob_client, bob, morning):
    """Defect: the quick logger always stored "now", so this became a daytime cramp."""
    response = bob_client.post(
        reverse("cramp"),
        {"when": "last_night", "at_time": "03:00", "woke": "on", "side": "left", "muscle": "calf", "severity": "7"},
    )
    assert response.status_code == 302
    episode = Episode.objects.get(user=bob)
    assert episode.started_at == ny(2026, 11, 10, 3, 0)
    assert (episode.muscle, episode.side, episode.severity, episode.sleep_disturbed) == ("calf", "left", 7, True)
    assert episode.at_night and episode.day == dt.date(2026, 11, 9)
    today = bob_client.get(reverse("today")).content.decode()
    assert "Cramp logged: left calf, severity 7, at 03:00 (a night cramp)." in today


def test_last_night_at_half_past_eleven_is_the_evening_before(bob_client, bob, morning):
    bob_client.post(reverse("cramp"), {"when": "last_night", "at_time": "23:30", "muscle": "foot", "severity": "5"})
    assert Episode.objects.get(user=bob).started_at == ny(2026, 11, 9, 23, 30)


def test_earlier_tonight_is_the_latest_past_occurrence(bob_client, bob):
    with time_machine.travel(ny(2026, 11, 10, 3, 10), tick=False):
        bob_client.post(reverse("cramp"), {"when": "tonight", "at_time": "01:45", "muscle": "calf", "severity": "6"})
    assert Episode.objects.get(user=bob).started_at == ny(2026, 11, 10, 1, 45)


def test_the_page_presets_the_picker_inside_last_nights_window(bob_client, morning):
    body = bob_client.get(reverse("cramp")).content.decode()
    assert 'data-last-night="03:00"' in body
    assert 'name="at_time" value="03:00"' in body


def test_the_duration_chip_sets_the_duration(bob_client, bob, morning):
    bob_client.post(reverse("cramp"), {"muscle": "calf", "severity": "6", "duration": "long"})
    assert Episode.objects.get(user=bob).duration_seconds == 420


def test_a_post_without_a_severity_logs_nothing(bob_client, bob, morning):
    """Defect: Enter on a muscle radio submitted the first severity button, 0."""
    response = bob_client.post(reverse("cramp"), {"muscle": "calf", "when": "now"})
    assert response.status_code == 400
    assert "Tap how bad it was." in response.content.decode()
    assert not Episode.objects.filter(user=bob).exists()


def test_a_night_choice_without_a_time_is_a_400_next_to_the_field(bob_client, bob, morning):
    response = bob_client.post(
        reverse("cramp"), {"when": "last_night", "at_time": "", "muscle": "calf", "severity": "6"}
    )
    assert response.status_code == 400
    assert "Give the time" in response.content.decode()
    assert not Episode.objects.filter(user=bob).exists()


def test_the_first_submit_button_of_the_logger_sends_no_severity(bob_client, morning):
    # Implicit submission (Enter) clicks the form's first submit button: it must not be 0.
    body = bob_client.get(reverse("cramp")).content.decode()
    form = body[body.index("data-cramp-logger") :]
    first_button = form[form.index("<button") : form.index(">", form.index("<button")) + 1]
    assert 'name="severity"' not in first_button


def test_inside_the_sleep_window_the_night_before_is_named_so_and_the_message_says_its_day(bob_client, bob):
    # 04:40, after the 04:00 day start but before the 07:00 end of the sleep window: the
    # night under way is "earlier tonight"; the last window that has ended is the night
    # before. Labelled "Last night", it stored a 03:00 cramp 25 hours back, and the
    # message said only "at 03:00".
    with time_machine.travel(ny(2026, 11, 10, 4, 40), tick=False):
        page = bob_client.get(reverse("cramp")).content.decode()
        assert ">The night before</label>" in page and ">Last night</label>" not in page
        bob_client.post(reverse("cramp"), {"when": "last_night", "at_time": "03:00", "muscle": "calf", "severity": "6"})
        today = bob_client.get(reverse("today")).content.decode()
    assert Episode.objects.get(user=bob).started_at == ny(2026, 11, 9, 3, 0)
    assert "Cramp logged: calf, severity 6, at 03:00 on Monday 9 November (a night cramp)." in today


def test_after_the_sleep_window_last_night_keeps_its_name(bob_client, morning):
    page = bob_client.get(reverse("cramp")).content.decode()
    assert ">Last night</label>" in page and "The night before" not in page
