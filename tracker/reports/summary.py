"""Reads for the report pages that the engine does not serve as such: the 12 weeks of
counts behind the "cramps per week" chart, the factor results grouped in plain words,
and the doctor's two-page summary over a range of up to 12 weeks. Each is built from
the existing series, outcome, analysis and selector functions, in a fixed number of
queries whatever the amount of data."""

import datetime as dt

from accounts.models import DrugClass
from tracker import human
from tracker.reports import analysis, charts, outcomes, selectors, stats
from tracker.reports.registry import MEDICATION_PREFIX, context_items
from tracker.reports.series import DayRow, series_build
from tracker.reports.weeks import user_today, week_start_of

CHART_WEEKS = 12
BASELINE_DAYS = 28
MIN_BASELINE_DAYS = 10  # logged days before a change is worth showing
MAX_SUMMARY_DAYS = 84
LINKED = ("strong", "moderate")


def week_counts(days: list[DayRow], *, week_starts_on: str, today: dt.date) -> list[dict]:
    """Cramps and logged days per week of `days` (oldest first)."""
    weeks: dict[dt.date, dict] = {}
    for d in days:
        start = week_start_of(d.day, week_starts_on)
        week = weeks.setdefault(
            start,
            {
                "start": start.isoformat(),
                "cramps": 0,
                "logged_days": 0,
                "complete": start + dt.timedelta(days=6) < today,
            },
        )
        week["cramps"] += d.episodes
        week["logged_days"] += d.observed
    return [weeks[k] for k in sorted(weeks)]


def weekly_charts(*, user, report: dict) -> list[charts.Chart]:
    """The weekly page's and email's three charts. Five queries: one series over the 12
    weeks ending with the report's week feeds the weekly counts."""
    week_start = dt.date.fromisoformat(report["starts_on"])
    first = week_start - dt.timedelta(days=7 * (CHART_WEEKS - 1))
    series = series_build(user=user, start=first, end=week_start + dt.timedelta(days=6))
    weeks = week_counts(series.days, week_starts_on=user.week_starts_on, today=user_today(user))
    goal = report["hydration"]["goal_ml"]
    return [
        charts.fluid_chart(days=report["days"], goal_ml=goal, us=user.units == "us"),
        charts.weeks_chart(weeks=weeks),
        charts.severity_chart(days=report["days"]),
    ]


def weekly_email_png(*, user, report: dict) -> bytes:
    return charts.png(charts.stack(weekly_charts(user=user, report=report)))


EVIDENCE_RANK = {e: i for i, e in enumerate(["strong", "moderate", "weak", "none", "not_comparable", "insufficient"])}


def _evidence_rank(row: dict) -> int:
    return EVIDENCE_RANK.get(row["evidence"], len(EVIDENCE_RANK))


def _counts_in_words(row: dict) -> str:
    return (
        f"cramps on {row['exposed_cramp_days']} of {row['exposed_days']} days with it, "
        f"{row['unexposed_cramp_days']} of {row['unexposed_days']} without"
    )


def factor_groups(results: list[dict]) -> dict[str, list[dict]]:
    """One line per factor (its same-day and next-day rows folded into the stronger),
    in four groups: linked with more cramps, linked with fewer, no clear link, and not
    enough data yet (with what is missing)."""
    best: dict[str, dict] = {}
    for row in results:
        kept = best.get(row["factor"])
        if kept is None or (_evidence_rank(row), row["lag"]) < (_evidence_rank(kept), kept["lag"]):
            best[row["factor"]] = row
    groups: dict[str, list[dict]] = {"more": [], "fewer": [], "none": [], "insufficient": []}
    for row in best.values():
        row = {
            **row,
            "is_medicine": row["factor"].startswith(MEDICATION_PREFIX),
            "counts": _counts_in_words(row),
            "when": "the same day" if row["lag"] == 0 else "the day after",
        }
        if row["evidence"] in LINKED:
            groups["fewer" if (row["rate_ratio"] or 1) < 1 else "more"].append(row)
        elif row["evidence"] in ("weak", "none"):
            groups["none"].append(row)
        else:
            groups["insufficient"].append(row)
    for rows in groups.values():
        rows.sort(key=lambda r: (_evidence_rank(r), r["label"]))
    return groups


PER_WEEK_RATES = ("cramps_per_week", "cramp_days_per_week", "minutes_per_week", "disturbed_per_week")


def _rates(days: list[DayRow]) -> dict:
    summary = outcomes.episodes_summary(days)
    logged = summary["observed_days"]

    def per_week(n: float) -> float | None:
        return round(n * 7 / logged, 1) if logged else None

    count = summary["count"]
    return {
        "logged_days": logged,
        "days": len(days),
        "count": count,
        "cramps_per_week": per_week(count),
        "cramp_days_per_week": per_week(summary["cramp_days"]),
        "mean_severity": summary["mean_severity"],
        "worst_severity": summary["worst_severity"],
        "mean_minutes": round(summary["total_minutes"] / count, 1) if count else None,
        "minutes_per_week": per_week(summary["total_minutes"]),
        "disturbed_per_week": per_week(summary["sleep_disturbed_nights"]),
        "nights_with_cramps": summary["nights_with_cramps"],
        "by_muscle": summary["by_muscle"],
    }


def rate_ratio_exact(k1: int, t1: int, k0: int, t0: int) -> tuple[float, float, float] | None:
    """The exact rate ratio (tracker.reports.stats.poisson_rate_ratio), with an unbounded
    end as infinity, which the summary words as "no upper bound"."""
    ratio, low, high = stats.poisson_rate_ratio(k1, t1, k0, t0)
    if low is None:
        return None
    inf = float("inf")
    return (inf if ratio is None else ratio), low, (inf if high is None else high)


def _change_words(change: tuple[float, float, float] | None) -> str | None:
    if change is None:
        return None
    ratio, low, high = change

    def words(r: float) -> str:
        return human.change(None if r == float("inf") else 100 * (r - 1))

    return f"{words(ratio)} (95% interval: {words(low)} to {words(high)})"


def doctor_summary(*, user, start: dt.date, end: dt.date) -> dict:
    """The doctor's summary of `start`..`end` (at most 12 weeks): outcome measures
    against the 4 weeks before, red flags with dates, medicines with their dates and
    before/after, the charts, and the factors linked over the 84 days ending `end`.
    One series covers the range, the baseline, the 12 chart weeks and the factor window."""
    window_start = end - dt.timedelta(days=analysis.WINDOW_DAYS - 1)
    chart_start = week_start_of(end, user.week_starts_on) - dt.timedelta(days=7 * (CHART_WEEKS - 1))
    baseline_start = start - dt.timedelta(days=BASELINE_DAYS)
    series = series_build(
        user=user, start=min(baseline_start, window_start - dt.timedelta(days=1), chart_start), end=end
    )
    days = series.between(start, end)
    baseline_days = series.between(baseline_start, start - dt.timedelta(days=1))
    now, before = _rates(days), _rates(baseline_days)
    change = None
    if before["logged_days"] < MIN_BASELINE_DAYS:
        # A rate per 7 days from a handful of logged days would be made up: shown as a dash.
        before.update(dict.fromkeys(PER_WEEK_RATES))
    elif now["logged_days"]:
        change = _change_words(
            rate_ratio_exact(now["count"], now["logged_days"], before["count"], before["logged_days"])
        )
    day_json = [d.as_json() for d in days]
    today = user_today(user)
    weeks = week_counts(series.between(chart_start, end), week_starts_on=user.week_starts_on, today=today)
    factors = analysis.factors_analyse(series=series, start=window_start, end=end)
    effective = [d.effective_ml for d in days if d.fluid_ml]
    return {
        "from": start.isoformat(),
        "to": end.isoformat(),
        "timezone": user.timezone,
        "outcomes": now,
        "baseline": {**before, "from": baseline_start.isoformat(), "to": (start - dt.timedelta(days=1)).isoformat()},
        "change": change,
        "hydration": {
            "goal_ml": series.goal_ml,
            "mean_effective_ml": round(sum(effective) / len(effective)) if effective else None,
            "days_with_drinks": len(effective),
            "days_goal_met": sum(ml >= series.goal_ml for ml in effective),
        },
        # Cramps on 10 of the last 14 days, or on 5 of the last 7 nights, is itself a red flag.
        "red_flags": selectors.red_flags(
            user=user, start=start, end=end, days=days, recent=series.between(end - dt.timedelta(days=13), end)
        ),
        "medicines": medicines(user=user, end=end),
        "charts": [
            charts.fluid_chart(days=day_json, goal_ml=series.goal_ml, us=user.units == "us"),
            charts.weeks_chart(weeks=weeks),
            charts.severity_chart(days=day_json),
        ],
        "factors": factors,
        "linked": [r for r in factors["results"] if r["evidence"] in LINKED],
        "context": context_items(user=user),
    }


def medicines(*, user, end: dt.date) -> list[dict]:
    """Every medicine and supplement on the list as it stood at `end` (selectors'
    medication_picture), with its dates, and cramps a week in the 4 weeks before and
    after each start or stop (three queries in all)."""
    picture = selectors.medication_picture(user=user, end=end)
    changes = {(change["medication"], change["on"]): change for change in picture["changes"]}
    rows = []
    for med in picture["medicines"]:
        events = []
        for verb, on in (("started", med["started_on"]), ("stopped", med["stopped_on"])):
            found = changes.get((med["name"], on)) if on else None
            if found:
                events.append({"change": verb, **found})
        rows.append({**med, "drug_class_label": DrugClass(med["drug_class"]).label, "events": events})
    return rows
