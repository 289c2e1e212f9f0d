"""Human time: ranges as people write them, instants in the user's zone, "5 min ago"."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tracker import human

NEW_YORK = ZoneInfo("America/New_York")


@pytest.mark.parametrize(
    ("start", "end", "text"),
    [
        (dt.date(2026, 11, 16), dt.date(2026, 11, 22), "16–22 Nov 2026"),
        (dt.date(2026, 11, 30), dt.date(2026, 12, 6), "30 Nov – 6 Dec 2026"),
        (dt.date(2026, 12, 28), dt.date(2027, 1, 3), "28 Dec 2026 – 3 Jan 2027"),
        (dt.date(2026, 11, 16), dt.date(2026, 11, 16), "16 Nov 2026"),
    ],
)
def test_a_range_repeats_only_what_differs(start, end, text):
    assert human.date_range(start, end) == text


def test_days_read_as_words():
    day = dt.date(2026, 11, 1)
    assert human.day_short(day) == "Sun 1 Nov"
    assert human.day_medium(day) == "1 Nov 2026"
    assert human.day_long(day) == "Sunday 1 November 2026"


def test_an_instant_is_shown_on_the_users_clock():
    instant = dt.datetime(2026, 11, 30, 7, 4, tzinfo=dt.UTC)
    assert human.moment(instant, NEW_YORK) == "Mon 30 Nov 2026, 02:04"
    assert human.clock(instant, "Asia/Tokyo") == "16:04"


@pytest.mark.parametrize(
    ("minutes", "text"),
    [(0.5, "just now"), (5, "5 min ago"), (59, "59 min ago"), (150, "2 h ago")],
)
def test_recent_instants_say_how_long_ago(minutes, text):
    now = dt.datetime(2026, 11, 30, 20, 0, tzinfo=dt.UTC)
    assert human.ago(now - dt.timedelta(minutes=minutes), now, NEW_YORK) == text


def test_yesterday_and_older_are_calendar_days_in_the_users_zone_across_dst():
    # 1 Nov 2026 is the DST change in New York: 25 hours from the 1st to the 2nd.
    now = dt.datetime(2026, 11, 2, 14, 0, tzinfo=dt.UTC)  # 09:00 EST on the 2nd
    built = dt.datetime(2026, 11, 1, 3, 30, tzinfo=dt.UTC)  # 23:30 EDT on 31 Oct
    assert human.ago(built, now, NEW_YORK) == "2 days ago"
    evening = dt.datetime(2026, 11, 1, 23, 20, tzinfo=dt.UTC)  # 18:20 EST on the 1st
    assert human.ago(evening, now, NEW_YORK) == "yesterday at 18:20"
    assert human.ago(now - dt.timedelta(days=9), now, NEW_YORK) == "on 24 Oct 2026"


def test_a_future_instant_is_named_not_counted_down():
    now = dt.datetime(2026, 11, 30, 20, 0, tzinfo=dt.UTC)
    assert human.ago(now + dt.timedelta(minutes=3), now, "UTC") == "on Mon 30 Nov 2026, 20:03"


def test_counts_in_words():
    assert human.count(0, "day") == "no days"
    assert human.count(1, "day") == "1 day"
    assert human.count(3, "cramp") == "3 cramps"
    assert human.count(2, "more logged day", "more logged days") == "2 more logged days"


@given(start=st.dates(dt.date(1990, 1, 1), dt.date(2090, 1, 1)), days=st.integers(0, 800))
def test_any_range_names_both_ends_and_the_final_year(start, days):
    end = start + dt.timedelta(days=days)
    text = human.date_range(start, end)
    assert text.endswith(f"{end.day} {end:%b %Y}")
    assert text.startswith(str(start.day))
    assert (str(start.year) in text) and (text.count(str(end.year)) >= 1)


def test_the_template_filters_take_iso_strings_and_use_the_current_zone():
    from django.template import engines
    from django.utils import timezone

    template = engines["jinja2"].from_string(
        '{{ a|date_range(b) }} · {{ a|day_short }} · {{ when|moment }} · {{ 2|counted("day") }}'
    )
    with timezone.override(NEW_YORK):
        out = template.render(
            {"a": "2026-11-16", "b": "2026-11-22", "when": dt.datetime(2026, 11, 30, 7, 4, tzinfo=dt.UTC)}
        )
    assert out == "16–22 Nov 2026 · Mon 16 Nov · Mon 30 Nov 2026, 02:04 · 2 days"


@pytest.mark.parametrize(
    ("pct", "text"),
    [
        (-71.4, "71% fewer"),
        (170.5, "171% more"),
        (0.4, "about the same"),
        (-100.0, "100% fewer"),
        (None, "no upper limit"),
    ],
)
def test_a_change_reads_as_fewer_or_more(pct, text):
    assert human.change(pct) == text


def test_pages_print_numbers_as_django_did_never_in_exponent_notation():
    """A tiny p value printed by Python reads 8.11e-05; every page prints 0.0000811."""
    from decimal import Decimal

    from django.template import engines

    template = engines["jinja2"].from_string("{{ p }} · {{ q }} · {{ d }} · {{ n }} · {{ none }}")
    assert template.render({"p": 8.11e-05, "q": 0.5, "d": Decimal("1E+1"), "n": 3, "none": None}) == (
        "0.0000811 · 0.5 · 10 · 3 · None"
    )
