"""The report pages as a reader meets them: weeks and dates in words, charts inlined
with what they show in words, factors in plain words first with the figures behind a
disclosure, and the doctor's summary (range, outcomes against baseline, red flags
with dates, medicines with dates and before/after, charts, linked factors)."""

import datetime as dt
import re

import pytest
import time_machine
from django.test import Client

from accounts.models import Medication
from tests.factories import CheckInFactory, EpisodeFactory, IntakeFactory
from tests.reports.conftest import local

NOW = dt.datetime(2026, 11, 10, 12, 0, tzinfo=dt.UTC)  # Tuesday of the week of 9 Nov


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def _get(user, url, params=None):
    client = Client()
    client.force_login(user)
    return client.get(url, params or {})


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_weekly_page_opens_on_the_last_complete_week_named_in_words(alice):
    response = _get(alice, "/reports/weekly/")
    text = _text(response.content.decode())
    assert "2–8 Nov 2026" in text and "week in progress" not in text
    assert "26 Oct – 1 Nov 2026" in text  # previous
    assert "9–15 Nov 2026" in text  # next: the week under way
    assert "Updated just now" in text
    assert not re.search(r"\d{4}-\d{2}-\d{2}T\d{2}:", text)  # no ISO stamps
    assert "2026-W" not in text  # ISO week labels only in links


def test_a_week_in_progress_says_so_and_shows_no_change_yet(alice):
    EpisodeFactory(user=alice, started_at=local(alice, 2026, 11, 9, 22, 0))
    text = _text(_get(alice, "/reports/weekly/", {"week": "2026-W46"}).content.decode())
    assert "9–15 Nov 2026 · week in progress" in text
    assert "still under way" in text and "At least 25% fewer" not in text


def test_the_weekly_page_inlines_three_charts_each_with_its_summary(alice):
    # 23:30 is inside the default sleep window (23:00-07:00): a night cramp by the night rule.
    EpisodeFactory(user=alice, started_at=local(alice, 2026, 11, 3, 23, 30), severity=7, context="asleep")
    IntakeFactory(user=alice, taken_at=local(alice, 2026, 11, 3, 9, 0), volume_ml=900)
    html = _get(alice, "/reports/weekly/", {"week": "2026-W45"}).content.decode()
    assert html.count('<svg xmlns="http://www.w3.org/2000/svg" class="chart-svg"') == 3
    for title in ("Fluid against your goal, by day", "Cramps per week, last 12 weeks", "How bad, and night or day"):
        assert f">{title}</h3>" in html
    assert "Cramps on 1 day (Tue 3 Nov), below your goal." in html
    assert "Worst: 7 of 10 on Tue 3 Nov. 1 of 1 cramp came at night." in html
    assert " style=" not in html  # strict CSP: no inline styles, in the SVG either


def test_days_become_cards_with_a_label_on_every_value(alice):
    html = _get(alice, "/reports/weekly/", {"week": "2026-W45"}).content.decode()
    table = html[html.index('<table class="days cards">') : html.index("</table>", html.index('class="days cards"'))]
    cells = re.findall(r"<td[^>]*>", table)
    assert cells and all("data-label=" in c for c in cells)
    assert "Mon 2 Nov" in table


def test_the_factors_page_speaks_plainly_first_and_keeps_the_figures_in_a_disclosure(alice):
    html = _get(alice, "/reports/factors/").content.decode()
    headings = ["Linked with more cramps", "Linked with fewer cramps", "No clear link", "Not enough data yet"]
    positions = [html.index(f">{h}</h2>") for h in headings]
    assert positions == sorted(positions)
    details = html.index('<details class="method-details"')
    assert positions[-1] < details
    assert html.index("Risk ratio") > details and html.index("Benjamini") > details
    assert "Evidence: none" not in html


def test_a_factor_short_of_days_says_it_needs_days_on_which_it_is_recorded(bob):
    # Cramps alone on two days, no check-in: the page counts 2 logged days, and alcohol
    # is known on none of them; "14 more logged days needed" read as 12 more.
    for day in (3, 4):
        EpisodeFactory(user=bob, started_at=local(bob, 2026, 11, day, 22, 0))
    text = _text(_get(bob, "/reports/factors/").content.decode())
    assert "2 logged days, 2 with cramps" in text
    assert "3 or more units of alcohol : needs 14 more days on which it is recorded." in text


def _doctor_data(user):
    Medication.objects.create(
        user=user, name="Example tablet", drug_class="statin", started_on=dt.date(2026, 10, 20), stopped_on=None
    )
    Medication.objects.create(user=user, name="Magnesium", drug_class="other")
    for i in range(56):
        day = dt.date(2026, 9, 15) + dt.timedelta(days=i)
        CheckInFactory(user=user, day=day, no_cramps=i % 3 != 0)
        if i % 3 == 0:
            EpisodeFactory(user=user, started_at=local(user, day.year, day.month, day.day, 22, 0), severity=5)
    EpisodeFactory(user=user, started_at=local(user, 2026, 10, 29, 21, 0), severity=8, symptoms=["fainting"])


def test_the_doctors_summary_has_outcomes_against_baseline_flags_and_medicines_with_dates(alice):
    _doctor_data(alice)
    response = _get(alice, "/reports/print/", {"start": "2026-10-13", "end": "2026-11-09"})
    assert response.status_code == 200
    html = response.content.decode()
    text = _text(html)
    assert "13 Oct – 9 Nov 2026" in text
    assert "Thu 29 Oct :" in text or "Thu 29 Oct:" in text  # the red flag, with its date
    assert "Cramps per logged day against the 4 weeks before (15 Sep – 12 Oct 2026)" in text
    assert "95% interval" in text
    assert "Example tablet (Statin, for cholesterol)" in text and "20 Oct 2026" in text
    assert "Started Tue 20 Oct: " in text and "))" not in text  # no brackets inside brackets
    assert "Magnesium" in text
    # Page 2 after page 1; the full table only in the appendix disclosure.
    assert html.index('class="sheet sheet-1"') < html.index('class="sheet sheet-2"') < html.index('class="appendix"')
    assert html.index("Risk ratio") > html.index('class="appendix"')
    assert 'src="/static/reports/print.js"' in html and "data-print" in html


def test_the_name_and_date_of_birth_are_never_sent_to_the_server(alice):
    html = _get(alice, "/reports/print/").content.decode()
    for field in ("patient-name", "patient-dob"):
        tag = re.search(rf'<input id="{field}"[^>]*>', html)[0]
        assert " name=" not in tag
        form_end = html.index("</form>")
        assert html.index(tag) > form_end  # outside the range form


def test_the_doctors_summary_takes_at_most_12_weeks(alice):
    response = _get(alice, "/reports/print/", {"start": "2026-08-01", "end": "2026-11-09"})
    assert response.status_code == 400
    assert "at most 12 weeks" in response.content.decode()
    assert _get(alice, "/reports/print/", {"start": "2026-08-18", "end": "2026-11-09"}).status_code == 200


def test_another_users_data_never_shows_in_the_summary(alice, bob):
    _doctor_data(bob)
    text = _text(_get(alice, "/reports/print/", {"start": "2026-10-13", "end": "2026-11-09"}).content.decode())
    assert "Example tablet" not in text and "None logged in this range" in text


def test_cramps_on_most_of_the_last_nights_are_a_red_flag_in_the_summary(alice):
    for day in range(3, 9):  # 3–8 Nov: six nights
        EpisodeFactory(user=alice, started_at=local(alice, 2026, 11, day, 23, 0), context="asleep")
    text = _text(_get(alice, "/reports/print/", {"start": "2026-10-13", "end": "2026-11-09"}).content.decode())
    flags = text[text.index("Red flags") : text.index("Outcome measures")]
    assert "None logged" not in flags and "night cramps on 6 of the last 7 nights" in flags


def test_a_us_user_reads_fluid_in_fl_oz_on_the_page_and_the_chart(alice):
    alice.units = "us"
    alice.save(update_fields=["units"])
    IntakeFactory(user=alice, taken_at=local(alice, 2026, 11, 3, 9, 0), volume_ml=946)
    html = _get(alice, "/reports/weekly/", {"week": "2026-W45"}).content.decode()
    assert "32 fl oz" in html  # the day's fluid in the day-by-day table
    assert re.search(r">\d+ oz</text>", html)  # the chart's axis
    assert "Goal of " in html and " fl oz met on" in html


def test_the_printout_shows_no_weekly_rates_for_four_weeks_before_with_too_few_logged_days(alice):
    # One logged day (with a cramp) in the 4 weeks before 12 Oct – 8 Nov: "7.0 cramps per
    # 7 logged days" from one day would be a rate made up; the column shows a dash.
    CheckInFactory(user=alice, day=dt.date(2026, 10, 1), no_cramps=False)
    EpisodeFactory(user=alice, started_at=local(alice, 2026, 10, 1, 20, 0))
    for day in range(12, 20):
        CheckInFactory(user=alice, day=dt.date(2026, 10, day), no_cramps=True)
    text = _text(_get(alice, "/reports/print/", {"start": "2026-10-12", "end": "2026-11-08"}).content.decode())
    assert "Cramps per 7 logged days 0.0 – " in text
    assert "Logged days 8 of 28 1 of 28" in text
    assert "fewer than 10 logged days" in text
