"""The factor analysis finds planted links at the right lag, and not a non-link."""

import datetime as dt

import pytest
import time_machine

from tests.reports.conftest import local
from tests.reports.diary_sim import END, as_series, planted_days
from tracker.logbook.models import CheckIn, Episode
from tracker.reports.analysis import factors_analyse

LINKED = ("strong", "moderate")


def evidence(results) -> dict:
    return {(r["factor"], r["lag"]): r["evidence"] for r in results}


def test_planted_links_are_found_at_their_lag_and_the_non_link_is_not():
    series = as_series(planted_days(seed=7))
    report = factors_analyse(series=series, start=END - dt.timedelta(days=83), end=END)
    found = evidence(report["results"])
    assert found[("hot_environment", 0)] in LINKED
    assert found[("uncomfortable_shoes", 1)] in LINKED
    assert found[("low_blood_sugar", 0)] not in LINKED
    assert found[("low_blood_sugar", 1)] not in LINKED
    assert found[("hot_environment", 1)] not in LINKED
    assert found[("uncomfortable_shoes", 0)] not in LINKED


def test_the_planted_links_are_found_in_most_generated_diaries_and_the_non_link_rarely():
    # The power of 84 days against a tripled rate, over 100 diaries: a guard against a
    # change that makes the test above pass by luck.
    found = linked_false = 0
    for seed in range(100):
        series = as_series(planted_days(seed=seed))
        e = evidence(factors_analyse(series=series, start=END - dt.timedelta(days=83), end=END)["results"])
        found += e[("hot_environment", 0)] in LINKED and e[("uncomfortable_shoes", 1)] in LINKED
        linked_false += any(e[("low_blood_sugar", lag)] in LINKED for lag in (0, 1))
    assert found >= 80
    assert linked_false <= 5


def test_every_result_is_finite_and_worded_as_a_link_never_a_cause():
    series = as_series(planted_days(seed=3))
    report = factors_analyse(series=series, start=END - dt.timedelta(days=83), end=END)
    for row in report["results"]:
        for key in ("risk_ratio", "rate_ratio", "ci_low", "ci_high", "p_value", "q_value", "rho", "reverse_p_value"):
            assert row[key] is None or (row[key] == row[key] and abs(row[key]) != float("inf"))
        assert "cause" not in row["verdict"].lower()
        assert row["summary"].startswith("Cramps on ")
    insufficient = [r for r in report["results"] if r["evidence"] == "insufficient"]
    # Factors never answered in this diary: the verdict says what is missing.
    assert insufficient and all(
        r["verdict"].startswith("Not enough data yet to tell: this needs at least 14 logged days where this is known")
        for r in insufficient
    )


def test_the_summary_puts_the_two_by_two_table_in_words():
    series = as_series(planted_days(seed=7))
    report = factors_analyse(series=series, start=END - dt.timedelta(days=83), end=END)
    row = next(r for r in report["results"] if r["factor"] == "hot_environment" and r["lag"] == 0)
    assert row["summary"] == (
        f"Cramps on {row['exposed_cramp_days']} of {row['exposed_days']} days when you were somewhere hot, "
        f"vs {row['unexposed_cramp_days']} of {row['unexposed_days']} otherwise."
    )
    assert row["exposed_days"] + row["unexposed_days"] == 84


def test_a_factor_that_follows_cramp_days_is_flagged_by_the_reverse_check():
    # Dehydration signs logged on the day after every cramp day, never before one.
    days = planted_days(seed=7)
    series = as_series(days)
    for prev, row in zip(series.days, series.days[1:], strict=False):
        row.factors["dehydration_signs"] = prev.cramp_day
    series.days[0].factors["dehydration_signs"] = False
    report = factors_analyse(series=series, start=END - dt.timedelta(days=83), end=END)
    row = next(r for r in report["results"] if r["factor"] == "dehydration_signs" and r["lag"] == 0)
    assert row["reverse_p_value"] < 0.001
    assert row["follows_cramps"] is True


@pytest.mark.django_db
def test_the_api_finds_the_planted_links_in_a_logged_diary(alice, alice_api):
    days = planted_days(seed=7)
    CheckIn.objects.bulk_create(
        CheckIn(
            user=alice,
            day=d["day"],
            hot_environment=d["hot"],
            uncomfortable_shoes=d["shoes"],
            low_blood_sugar=d["sugar"],
            no_cramps=not d["cramp"],
        )
        for d in days
    )
    Episode.objects.bulk_create(
        Episode(
            user=alice,
            day=d["day"],
            started_at=local(alice, d["day"].year, d["day"].month, d["day"].day, 22),
            duration_seconds=60,
            muscle="calf",
            severity=5,
        )
        for d in days
        if d["cramp"]
    )
    with time_machine.travel(dt.datetime(2026, 11, 8, 12, tzinfo=dt.UTC), tick=False):
        response = alice_api.get("/api/v1/reports/factors/", {"weeks": 12})
    assert response.status_code == 200
    body = response.json()
    assert body["window"]["from"] == "2026-08-17" and body["window"]["to"] == "2026-11-08"
    assert body["window"]["observed_days"] == 84
    found = evidence(body["results"])
    assert found[("hot_environment", 0)] in LINKED
    assert found[("uncomfortable_shoes", 1)] in LINKED
    assert found[("low_blood_sugar", 0)] not in LINKED and found[("low_blood_sugar", 1)] not in LINKED
