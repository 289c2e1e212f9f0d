"""Report endpoints and pages: validation (400 not 500), auth (401), constant query
counts, and rendering for a user with no data, one day, and years of data."""

import datetime as dt
import re

import pytest
import time_machine
from django.test import Client

from tests.factories import EpisodeFactory, IntakeFactory
from tests.reports.conftest import bulk_diary, local

NOW = dt.datetime(2026, 11, 10, 12, 0, tzinfo=dt.UTC)
ENDPOINTS = [
    ("/api/v1/reports/weekly/", {"week": "2026-W45"}),
    ("/api/v1/reports/weekly/csv/", {"week": "2026-W45"}),
    ("/api/v1/reports/factors/", {"weeks": 12}),
    ("/api/v1/reports/daily/", {"from": "2026-10-01", "to": "2026-10-31"}),
    ("/api/v1/reports/outcomes/", {"start": "2026-10-12"}),
]
PAGES = [
    ("/reports/weekly/", {"week": "2026-W45"}),
    ("/reports/weekly/chart.svg", {"week": "2026-W45"}),
    ("/reports/factors/", {}),
    ("/reports/print/", {"start": "2026-10-01", "end": "2026-11-08"}),
    ("/reports/print/chart.svg", {"start": "2026-10-01", "end": "2026-11-08"}),
]


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def web_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize(("url", "params"), ENDPOINTS)
def test_anonymous_api_calls_get_401(anon_api, url, params):
    assert anon_api.get(url, params).status_code == 401


@pytest.mark.parametrize(("url", "params"), PAGES)
def test_anonymous_page_visits_go_to_login(client, url, params):
    response = client.get(url, params)
    assert response.status_code == 302 and "/login" in response["Location"]


@pytest.mark.parametrize(
    ("url", "params", "field"),
    [
        ("/api/v1/reports/weekly/", {"week": "2026-44"}, "week"),
        ("/api/v1/reports/weekly/", {"week": "2026-W60"}, "week"),
        ("/api/v1/reports/weekly/", {"week": "2027-W01"}, "week"),  # not started yet
        ("/api/v1/reports/weekly/", {"week": "0001-W01"}, "week"),
        ("/api/v1/reports/weekly/", {"week": "2026-W45", "colour": "red"}, "colour"),
        ("/api/v1/reports/weekly/csv/", {"week": "x\x00"}, "week"),
        ("/api/v1/reports/factors/", {"weeks": 1}, "weeks"),
        ("/api/v1/reports/factors/", {"weeks": 53}, "weeks"),
        ("/api/v1/reports/factors/", {"weeks": "many"}, "weeks"),
        ("/api/v1/reports/daily/", {"from": "2026-10-31", "to": "2026-10-01"}, "to"),
        ("/api/v1/reports/daily/", {"from": "2026-13-01", "to": "2026-10-01"}, "from"),
        ("/api/v1/reports/daily/", {"to": "2026-10-01"}, "from"),
        ("/api/v1/reports/daily/", {"from": "2020-01-01", "to": "2026-10-01"}, "to"),
        ("/api/v1/reports/daily/", {"from": "0001-01-01", "to": "0001-01-02"}, "from"),
    ],
)
def test_bad_query_parameters_are_a_400_naming_the_field(alice_api, url, params, field):
    response = alice_api.get(url, params)
    assert response.status_code == 400
    assert field in response.json()


@pytest.mark.parametrize(
    ("url", "params"),
    [
        ("/reports/weekly/", {"week": "2026-W99"}),
        ("/reports/weekly/chart.svg", {"week": "nope"}),
        ("/reports/factors/", {"weeks": "0"}),
        ("/reports/print/", {"start": "2026-10-31", "end": "2026-10-01"}),
        ("/reports/print/chart.svg", {"start": "bad"}),
    ],
)
def test_bad_page_parameters_are_a_400(alice, url, params):
    assert web_client(alice).get(url, params).status_code == 400


def test_daily_series_has_one_row_per_day_with_every_factor(alice, alice_api):
    EpisodeFactory(user=alice, started_at=local(alice, 2026, 10, 3, 21, 0), severity=7)
    IntakeFactory(user=alice, taken_at=local(alice, 2026, 10, 3, 9, 0), volume_ml=400, beverage="electrolyte_drink")
    body = alice_api.get("/api/v1/reports/daily/", {"from": "2026-10-01", "to": "2026-10-31"}).json()
    assert len(body["days"]) == 31
    day = body["days"][2]
    assert day["day"] == "2026-10-03" and day["episodes"] == 1 and day["worst_severity"] == 7
    assert day["fluid_ml"] == 400 and day["effective_ml"] == 440
    assert day["factors"]["electrolyte_drinks"] is True
    # No check-in and no activity logged: exercise is unknown that day, not "none".
    assert day["factors"]["exercise_minutes"] is None
    assert day["factors"]["sitting_hours"] is None  # no check-in: unknown, not zero
    keys = {f["key"] for f in body["factors"]}
    assert {"low_fluid", "sitting_hours", "alcohol_units", "dehydration_signs"} <= keys
    assert all(f["cause"] and f["rule"] and f["source"] for f in body["factors"])


def _rows(user, n):
    for i in range(n):
        day = dt.date(2026, 11, 8) - dt.timedelta(days=i % 40)
        EpisodeFactory(
            user=user,
            started_at=local(user, day.year, day.month, day.day, 21, i % 50),
            symptoms=["numbness"] if i % 7 == 0 else [],
        )
        IntakeFactory(user=user, taken_at=local(user, day.year, day.month, day.day, 10, i % 50))


def _count(client, url, params) -> tuple[int, int]:
    """Queries of the first request (which builds what is not stored yet) and of a
    second one (a read of what the first stored): both must not grow with the rows."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for _ in range(2):
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url, params)
        assert response.status_code == 200, response.content
        counts.append(len(ctx.captured_queries))
    return counts[0], counts[1]


@pytest.mark.parametrize(("url", "params"), ENDPOINTS)
def test_report_endpoints_run_the_same_queries_for_1_and_100_rows(alice, bob, alice_api, bob_api, url, params):
    from accounts.models import Medication

    for user, n in ((alice, 1), (bob, 100)):
        Medication.objects.create(user=user, name="T", drug_class="statin", started_on=dt.date(2026, 10, 1))
        _rows(user, n)
    alice_api.get("/api/v1/me/")  # each client's token lookup path, warmed up alike
    bob_api.get("/api/v1/me/")
    assert _count(alice_api, url, params) == _count(bob_api, url, params)


@pytest.mark.parametrize(("url", "params"), PAGES)
def test_report_pages_run_the_same_queries_for_1_and_100_rows(alice, bob, url, params):
    for user, n in ((alice, 1), (bob, 100)):
        _rows(user, n)
    clients = {user: web_client(user) for user in (alice, bob)}
    for client in clients.values():
        client.get("/settings/")  # the session's first page sets up the reminder plan
    assert _count(clients[alice], url, params) == _count(clients[bob], url, params)


def test_a_fresh_weekly_read_is_a_handful_of_queries_and_a_rebuild_stays_under_twenty(
    alice, alice_api, django_assert_max_num_queries
):
    _rows(alice, 30)
    with django_assert_max_num_queries(20):
        alice_api.get("/api/v1/reports/weekly/", {"week": "2026-W45"})
    with django_assert_max_num_queries(4):
        alice_api.get("/api/v1/reports/weekly/", {"week": "2026-W45"})


@pytest.fixture(params=["no data", "one day", "years"])
def diarist(request, alice):
    if request.param == "one day":
        EpisodeFactory(user=alice, started_at=local(alice, 2026, 11, 3, 21, 0), severity=6, symptoms=["sunken_eyes"])
        IntakeFactory(user=alice, taken_at=local(alice, 2026, 11, 3, 9, 0), volume_ml=750)
    elif request.param == "years":
        bulk_diary(alice, days=3 * 365, end=dt.date(2026, 11, 9), intakes_per_day=3)
    return alice


@pytest.mark.parametrize(("url", "params"), PAGES)
def test_pages_render_for_no_data_one_day_and_years(diarist, url, params):
    response = web_client(diarist).get(url, params)
    assert response.status_code == 200
    if url.endswith(".svg"):
        assert response["Content-Type"] == "image/svg+xml"
        assert b"<svg" in response.content and b"<script" not in response.content
    else:
        html = response.content.decode()
        # Strict CSP: scripts only from files, no inline script or style attributes.
        assert not re.search(r"<script(?![^>]*\bsrc=)", html) and " style=" not in html
        assert " causes " not in html


@pytest.mark.parametrize(("url", "params"), ENDPOINTS)
def test_endpoints_render_for_no_data_one_day_and_years(diarist, url, params):
    from tests.conftest import token_client

    response = token_client(diarist).get(url, params)
    assert response.status_code == 200
    if "json" in response["Content-Type"]:
        assert "NaN" not in response.content.decode() and "Infinity" not in response.content.decode()


def test_the_weekly_page_leads_with_red_flags_and_shows_the_figures(alice):
    EpisodeFactory(user=alice, started_at=local(alice, 2026, 11, 3, 21, 0), severity=6, symptoms=["sunken_eyes"])
    html = web_client(alice).get("/reports/weekly/", {"week": "2026-W45"}).content.decode()
    assert html.index("see a doctor") < html.index("What happened")
    assert "2–8 Nov 2026" in html


def test_the_factors_page_explains_the_method_in_plain_words(alice):
    html = web_client(alice).get("/reports/factors/").content.decode()
    assert "not independent" in html and "not proof" in html and "linked with" in html


def test_cramps_often_or_every_night_reach_the_weekly_page_the_print_view_and_the_email(alice):
    from tracker.reports import services

    for day in range(3, 8):  # 02:00 belongs to the diary day before: 2–6 Nov
        EpisodeFactory(user=alice, started_at=local(alice, 2026, 11, day, 2, 0), context="asleep")
    wanted = "You had night cramps on 5 of the last 7 nights: that needs a doctor."
    client = web_client(alice)
    assert wanted in client.get("/reports/weekly/", {"week": "2026-W45"}).content.decode()
    assert wanted in client.get("/reports/print/", {"start": "2026-11-01", "end": "2026-11-07"}).content.decode()
    snapshot = services.weekly_snapshot_get(user=alice, week_start=dt.date(2026, 11, 2))
    message = services.weekly_report_email(user=alice, snapshot=snapshot)
    assert wanted in message.body and wanted in message.alternatives[0][0]


def test_the_weekly_page_opens_on_the_last_complete_week_and_marks_a_week_in_progress(alice):
    client = web_client(alice)
    html = client.get("/reports/weekly/").content.decode()
    assert "?week=2026-W44" in html and "week in progress" not in html  # W45 opens; its previous week links
    assert client.get("/api/v1/reports/weekly/").json()["week"] == "2026-W45"  # the API agrees with the page
    html = client.get("/reports/weekly/", {"week": "2026-W46"}).content.decode()
    assert "week in progress" in html and "% change" not in html
