"""Today in the morning shows last night's cramps, which sit on yesterday's diary day
(a cramp at 03:00 belongs to the evening before) and so were missing from Today."""

import datetime as dt
import re

import time_machine
from django.urls import reverse

from tests.factories import CheckInFactory, EpisodeFactory
from tests.web.conftest import ny
from tracker.logbook import selectors

MON = dt.date(2026, 11, 9)


def _section(body: str) -> str:
    match = re.search(r'<section class="last-night".*?</section>', body, re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", match.group(0))).strip() if match else ""


def test_at_07_30_today_shows_last_nights_cramps_with_a_link_to_each(bob_client, bob, morning):
    first = EpisodeFactory(
        user=bob, started_at=ny(2026, 11, 10, 3, 10), muscle="calf", side="left", severity=7, sleep_disturbed=True
    )
    second = EpisodeFactory(user=bob, started_at=ny(2026, 11, 10, 3, 50), muscle="foot", side="right", severity=4)
    body = bob_client.get(reverse("today")).content.decode()
    assert _section(body) == (
        "Last night: 2 cramps — Edit the cramp at 03:10 left calf, severity 7, woke you; "
        "Edit the cramp at 03:50 right foot, severity 4."
    )
    for episode in (first, second):
        assert f'href="/entries/episode/{episode.pk}/?next=/"' in body
    # Both sit on Monday's diary day: Today's own list is still empty, and the morning
    # check-in prompt for yesterday stays as it was.
    assert "Nothing logged yet today." in body
    assert "Check in for yesterday" in body and "?day=2026-11-09" in body


def test_a_cramp_after_the_day_start_is_counted_but_listed_only_once(bob_client, bob, morning):
    EpisodeFactory(user=bob, started_at=ny(2026, 11, 10, 3, 10), muscle="calf", side="left", severity=7)
    EpisodeFactory(user=bob, started_at=ny(2026, 11, 10, 4, 30), muscle="foot", side="right", severity=4)
    body = bob_client.get(reverse("today")).content.decode()
    assert _section(body) == (
        "Last night: 2 cramps — Edit the cramp at 03:10 left calf, severity 7; "
        "1 more after 04:00, under “Logged today”."
    )
    # The 04:30 cramp is on today's diary day: in today's list, once.
    assert body.count("04:30") == 1 and "Cramp: foot (right), severity 4" in body


def test_only_cramps_after_the_day_start_show_no_last_night_section(bob_client, bob, morning):
    EpisodeFactory(user=bob, started_at=ny(2026, 11, 10, 5, 0), muscle="foot", severity=4)
    body = bob_client.get(reverse("today")).content.decode()
    assert 'class="last-night"' not in body and "Cramp: foot" in body


def test_a_quiet_night_an_evening_cramp_or_a_cramp_when_up_and_about_show_nothing(bob_client, bob, morning):
    EpisodeFactory(user=bob, started_at=ny(2026, 11, 9, 21, 0))  # before the sleep window
    EpisodeFactory(user=bob, started_at=ny(2026, 11, 10, 2, 0), context="walking")  # awake: not a night cramp
    EpisodeFactory(user=bob, started_at=ny(2026, 11, 9, 3, 0))  # the night before last
    assert 'class="last-night"' not in bob_client.get(reverse("today")).content.decode()


def test_the_section_goes_at_noon_and_is_not_there_at_night(bob_client, bob):
    EpisodeFactory(user=bob, started_at=ny(2026, 11, 10, 3, 10))
    with time_machine.travel(ny(2026, 11, 10, 11, 59), tick=False):
        assert 'class="last-night"' in bob_client.get(reverse("today")).content.decode()
    with time_machine.travel(ny(2026, 11, 10, 12, 0), tick=False):
        assert 'class="last-night"' not in bob_client.get(reverse("today")).content.decode()
    with time_machine.travel(ny(2026, 11, 10, 3, 30), tick=False):
        # Before the day start it is still Monday's night: the cramp is in Today's list.
        body = bob_client.get(reverse("today")).content.decode()
        assert 'class="last-night"' not in body and "Cramp: calf" in body


def test_the_window_follows_the_profiles_sleep_times(bob_client, bob, morning):
    bob.sleep_starts_at, bob.sleep_ends_at = dt.time(1, 0), dt.time(6, 0)
    bob.save()
    EpisodeFactory(user=bob, started_at=ny(2026, 11, 10, 0, 30))  # awake still, by this profile
    EpisodeFactory(user=bob, started_at=ny(2026, 11, 10, 2, 15), muscle="hamstring", severity=3)
    assert _section(bob_client.get(reverse("today")).content.decode()) == (
        "Last night: 1 cramp — Edit the cramp at 02:15 hamstring, severity 3."
    )


def test_a_red_flag_cramp_says_see_a_doctor(bob_client, bob, morning):
    EpisodeFactory(user=bob, started_at=ny(2026, 11, 10, 3, 0), symptoms=["fainting"])
    assert "(see a doctor)" in _section(bob_client.get(reverse("today")).content.decode())


def test_the_night_across_a_dst_change_is_the_whole_night(bob_client, bob):
    # 1 Nov 2026: New York's clocks go back at 02:00, so 01:30 happens twice.
    EpisodeFactory(user=bob, started_at=ny(2026, 10, 31, 23, 30), muscle="toes")
    EpisodeFactory(user=bob, started_at=dt.datetime(2026, 11, 1, 6, 30, tzinfo=dt.UTC), muscle="foot")  # 01:30 EST
    with time_machine.travel(ny(2026, 11, 1, 8, 0), tick=False):
        assert _section(bob_client.get(reverse("today")).content.decode()).startswith(
            "Last night: 2 cramps — Edit the cramp at 23:30 toes, severity 5; Edit the cramp at 01:30 foot"
        )


def test_only_the_users_own_cramps_show(bob_client, bob, alice, morning):
    EpisodeFactory(user=alice, started_at=ny(2026, 11, 10, 3, 0))
    assert 'class="last-night"' not in bob_client.get(reverse("today")).content.decode()


def test_last_night_is_one_query_however_many_cramps_and_none_in_the_afternoon(bob, django_assert_num_queries):
    now = ny(2026, 11, 10, 7, 30)
    EpisodeFactory(user=bob, started_at=ny(2026, 11, 10, 3, 0))
    with django_assert_num_queries(1):
        assert selectors.last_night(user=bob, now=now).count == 1
    for minute in range(30):
        EpisodeFactory(user=bob, started_at=ny(2026, 11, 10, 2, minute), muscle="foot")
    with django_assert_num_queries(1):
        assert selectors.last_night(user=bob, now=now).count == 31
    with django_assert_num_queries(0):
        assert selectors.last_night(user=bob, now=ny(2026, 11, 10, 15, 0)) is None


def test_with_yesterdays_checkin_done_the_section_stays_and_the_prompt_goes(bob_client, bob, morning):
    EpisodeFactory(user=bob, started_at=ny(2026, 11, 10, 3, 10))
    CheckInFactory(user=bob, day=MON, no_cramps=False)
    body = bob_client.get(reverse("today")).content.decode()
    assert 'class="last-night"' in body and "Check in for yesterday" not in body
