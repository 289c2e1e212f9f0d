"""The morning check-in: chips, an explicit "cramps?" answer, no silent prefill, a
clear answer to a conflict with a logged cramp, and missed days one tap away."""

import datetime as dt

import time_machine
from django.urls import reverse

from accounts.models import User
from tests.factories import CheckInFactory, EpisodeFactory
from tests.web.conftest import ny
from tracker.logbook.models import CheckIn

MON, TUE = dt.date(2026, 11, 9), dt.date(2026, 11, 10)


def test_in_the_morning_the_checkin_is_about_yesterday_and_the_night(bob_client, bob, morning):
    today = bob_client.get(reverse("today")).content.decode()
    assert "Check in for yesterday" in today and "?day=2026-11-09" in today
    response = bob_client.post(reverse("checkin"), {"cramps": "no", "sleep_hours": "7"})
    assert response.status_code == 302
    assert CheckIn.objects.get(user=bob).day == MON
    # Yesterday done: now the button asks about today.
    assert "Check in for today" in bob_client.get(reverse("today")).content.decode()


def test_woken_by_a_cramp_before_the_day_starts_the_checkin_is_the_day_still_under_way(bob_client, bob):
    # 02:40 on Tuesday, before the 04:00 day start: the diary day is still Monday, so
    # "yesterday" would be Sunday, long past. The button asks about Monday, the day and
    # the night now under way, and nobody is wished good morning.
    with time_machine.travel(ny(2026, 11, 10, 2, 40), tick=False):
        today = bob_client.get(reverse("today")).content.decode()
        assert "Check in for today" in today and "Good morning" not in today
        assert "Sunday 8 November" not in bob_client.get(reverse("checkin")).content.decode()
        bob_client.post(reverse("checkin"), {"cramps": "yes"})
    assert CheckIn.objects.get(user=bob).day == MON


def test_the_checkin_is_not_prefilled_from_the_day_before(bob_client, bob, morning):
    """Defect: yesterday's answers were silently pre-filled, manufacturing persistence."""
    CheckInFactory(user=bob, day=MON - dt.timedelta(days=1), sitting_hours=9, stress=4)
    body = bob_client.get(reverse("checkin"), {"day": MON.isoformat()}).content.decode()
    assert 'value="9" checked' not in body.replace("checked id", "checked")
    assert "checked" not in body.split('name="sitting_hours"')[1].split(">")[0]
    assert "Same as Sunday" in body
    copied = bob_client.get(reverse("checkin"), {"day": MON.isoformat(), "same": "1"}).content.decode()
    assert "Filled in from Sunday 8 November" in copied
    sitting_nine = next(tag for tag in copied.split("<input") if 'name="sitting_hours" value="9"' in tag)
    assert "checked" in sitting_nine
    # The cramps answer is never copied.
    assert all("checked" not in tag for tag in copied.split("<input") if 'name="cramps"' in tag)


def test_the_cramps_answer_is_required(bob_client, bob, morning):
    response = bob_client.post(reverse("checkin"), {"day": MON.isoformat(), "sleep_hours": "7"})
    assert response.status_code == 400
    assert "Answer yes or no" in response.content.decode()
    assert not CheckIn.objects.exists()


def test_no_cramps_on_a_day_with_a_logged_cramp_is_answered_clearly(bob_client, bob, bob_api, morning):
    """Defect: "no cramps" was accepted on a day with a logged cramp."""
    EpisodeFactory(user=bob, started_at=ny(2026, 11, 10, 3, 0), muscle="calf", severity=7)  # diary day Mon
    response = bob_client.post(reverse("checkin") + "?day=2026-11-09", {"cramps": "no"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "You logged a cramp on Monday 9 November (calf, severity 7)" in body
    api = bob_api.post("/api/v1/checkins/", {"day": "2026-11-09", "no_cramps": True}, format="json")
    assert api.status_code == 400 and "no_cramps" in api.json()
    assert not CheckIn.objects.exists()


def test_a_cramp_logged_later_corrects_a_no_cramps_answer(bob, morning):
    CheckInFactory(user=bob, day=MON, no_cramps=True)
    EpisodeFactory(user=bob, started_at=ny(2026, 11, 9, 15, 0))
    assert CheckIn.objects.get(user=bob).no_cramps is False


def test_a_chip_value_saved_through_the_api_still_shows(bob_client, bob, morning):
    CheckInFactory(user=bob, day=MON, sleep_hours="7.5")
    body = bob_client.get(reverse("checkin"), {"day": MON.isoformat()}).content.decode()
    tag = next(t for t in body.split("<input") if 'name="sleep_hours" value="7.5"' in t)
    assert "checked" in tag


def test_history_lists_the_last_14_days_without_a_checkin_each_one_tap_away(bob_client, bob, morning):
    """Defect: a missed day could not be filled in from the pages."""
    User.objects.filter(pk=bob.pk).update(date_joined=ny(2026, 9, 1, 12, 0))
    CheckInFactory(user=bob, day=TUE - dt.timedelta(days=3))
    body = bob_client.get(reverse("history")).content.decode()
    links = [line for line in body.splitlines() if "Check in for" in line and "?day=" in line]
    days = [part.split('"')[0] for line in links for part in line.split("?day=")[1:]]
    expected = [(TUE - dt.timedelta(days=i)).isoformat() for i in range(14) if i != 3]
    assert days == expected
    assert bob_client.get(reverse("checkin"), {"day": days[-1]}).status_code == 200


def test_the_checkin_page_has_no_bare_number_boxes(bob_client, morning):
    body = bob_client.get(reverse("checkin")).content.decode()
    assert 'type="number"' not in body


def test_history_asks_for_no_checkin_from_before_the_account_existed(bob_client, bob, morning):
    # Signed up yesterday evening (Monday 9 Nov, 21:00 in New York): a fortnight of
    # "Check in for ..." links to days before the account was made is a to-do list of
    # days the user never had a chance to log.
    User.objects.filter(pk=bob.pk).update(date_joined=ny(2026, 11, 9, 21, 0))
    body = bob_client.get(reverse("history")).content.decode()
    assert body.count("Check in for ") == 2
    assert f"?day={TUE.isoformat()}" in body and f"?day={(TUE - dt.timedelta(days=1)).isoformat()}" in body


def test_signed_up_this_morning_history_lists_the_night_today_asks_about(bob_client, bob, morning):
    # Signed up at 07:00 on Tuesday after a night of cramps: Today asks for Monday's
    # check-in (the day the night belongs to), so History's missed days list it too.
    User.objects.filter(pk=bob.pk).update(date_joined=ny(2026, 11, 10, 7, 0))
    assert "?day=2026-11-09" in bob_client.get(reverse("today")).content.decode()
    body = bob_client.get(reverse("history")).content.decode()
    assert body.count("Check in for ") == 2
    assert f"?day={TUE.isoformat()}" in body and f"?day={MON.isoformat()}" in body


def test_the_checkin_for_a_day_with_a_logged_cramp_starts_at_yes(bob_client, bob, morning):
    """The night's cramp logged at 03:00: the morning check-in for that day already says
    "Yes, I had cramps" (one tap fewer) and says why; a day without one asks."""
    EpisodeFactory(user=bob, started_at=ny(2026, 11, 10, 3, 0), muscle="calf", severity=7)  # diary day Mon
    body = bob_client.get(reverse("checkin"), {"day": MON.isoformat()}).content.decode()
    cramps = [tag for tag in body.split("<input") if 'name="cramps"' in tag]
    assert ["checked" in tag for tag in cramps] == [False, True]  # No, Yes
    assert "You logged 1 cramp this day." in body
    assert bob_client.post(reverse("checkin") + "?day=2026-11-09", {"cramps": "yes"}).status_code == 302
    assert CheckIn.objects.get(user=bob, day=MON).no_cramps is False
    other = bob_client.get(reverse("checkin"), {"day": (MON - dt.timedelta(days=1)).isoformat()}).content.decode()
    assert all("checked" not in tag for tag in other.split("<input") if 'name="cramps"' in tag)
    assert "You logged" not in other
