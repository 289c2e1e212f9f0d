"""The weekly report's data, built for a chunk of users at once: each user's spans are
planned first (their week, the 8 weeks before, the 84-day factor window, a fixed
baseline and the days around medication changes), then each kind of data is read
in one query for the whole chunk (tracker.reports.fetch, series.series_rows_fetch),
then each user's report is computed from plain values on its own. Nine queries
whatever the number of users; one user's failure is that user's alone."""

import datetime as dt
from dataclasses import dataclass, field

from tracker.reports import analysis, fetch, selectors
from tracker.reports.registry import context_items
from tracker.reports.series import SeriesRows, series_assemble, series_rows_fetch
from tracker.reports.weeks import week_label

# A medicine started up to a year before the week still fixes its baseline.
FIXED_BASELINE_REACH_DAYS = 365


@dataclass
class _Week:
    """What one user's report reads, planned before any data is."""

    user: object
    week_start: dt.date
    today: dt.date
    events: list[dict] = field(default_factory=list)
    meds: list[dict] = field(default_factory=list)

    def __post_init__(self):
        self.end = self.week_start + dt.timedelta(days=6)
        self.complete = self.end < self.today
        self.window_end = min(self.end, self.today)
        self.window_start = self.window_end - dt.timedelta(days=analysis.WINDOW_DAYS - 1)
        self.series_start = min(self.window_start - dt.timedelta(days=1), self.week_start - dt.timedelta(days=56))
        self.fixed_start: tuple[str, dt.date] | None = None
        # The factor analysis reads its window and the day before (lag 1).
        self.factors_from = self.window_start - dt.timedelta(days=1)
        self.reminders_bounds = selectors.reminders_bounds(self.user, self.week_start, self.end)

    def plan_medicines(self, meds: list[dict]) -> None:
        """The medicines as the week ended (a past week's report shows neither later
        starts nor later stops), their changes, and the fixed baseline (the 4 weeks
        before the latest start at or before the week, within a year), which widens
        the series back to it."""
        self.as_of = min(self.end, self.today)
        self.meds = selectors.medicines_as_of(meds, as_of=self.as_of)
        self.events = events = selectors.medication_events(self.meds, as_of=self.as_of)
        self.medication_spans = selectors.medication_spans(events, as_of=self.as_of)
        starts = [{"change": e["change"], "on": e["on"].isoformat(), "medication": e["med"]["name"]} for e in events]
        fixed = selectors.fixed_baseline_start(starts, self.week_start)
        reach = self.week_start - dt.timedelta(days=FIXED_BASELINE_REACH_DAYS)
        if fixed is not None and fixed[1] >= reach:
            self.fixed_start = fixed
            self.series_start = min(self.series_start, fixed[1] - dt.timedelta(days=selectors.FIXED_BASELINE_DAYS))


def weekly_reports_build(*, weeks: list[tuple[object, dt.date, dt.date]]) -> dict[int, dict | Exception]:
    """The report of each (user, week start, the user's today), as JSON-ready data, or
    the exception its computation raised. Queries: the medicines, the cramp and
    check-in days around their changes, the six of the series (which covers the week,
    the baselines, the last 14 days and the factor window at once) and the reminders
    block, each for all users together."""
    results: dict[int, dict | Exception] = {}
    plans: dict[int, _Week] = {}
    for user, week_start, today in weeks:
        try:
            plans[user.pk] = _Week(user=user, week_start=week_start, today=today)
        except Exception as error:  # a date out of range, say: this user only
            results[user.pk] = error
    meds = fetch.medications_fetch(user_ids=list(plans))
    for user_id, plan in list(plans.items()):
        try:
            plan.plan_medicines(meds[user_id])
        except Exception as error:
            results[user_id] = error
            del plans[user_id]
    around_changes = fetch.cramp_days_fetch(spans={uid: p.medication_spans for uid, p in plans.items()})
    rows = series_rows_fetch(
        spans={uid: (p.series_start, p.end) for uid, p in plans.items()},
        # Drinks and activities only over the factor window (and its day before): a
        # fixed baseline months back needs its cramps and check-ins only.
        factor_spans={uid: (p.factors_from, p.end) for uid, p in plans.items()},
    )
    reminders = fetch.reminder_counts_fetch(bounds={uid: p.reminders_bounds for uid, p in plans.items()})
    for user_id, plan in plans.items():
        try:
            results[user_id] = _report(plan, around_changes[user_id], rows[user_id], reminders[user_id])
        except Exception as error:
            results[user_id] = error
    return results


def _report(plan: _Week, around_changes, rows: SeriesRows, reminders: dict) -> dict:
    user, week_start, end, today = plan.user, plan.week_start, plan.end, plan.today
    cramps, answered = around_changes
    medication = selectors.medication_picture_from(
        plan.meds, plan.events, cramps=cramps, answered=answered, as_of=plan.as_of
    )
    changes = medication["changes"]
    series = series_assemble(user=user, start=plan.series_start, end=end, data=rows, factors_from=plan.factors_from)
    week = series.between(week_start, end)
    episodes, change = selectors.week_outcomes(series, week_start, complete=plan.complete, fixed_start=plan.fixed_start)
    factors = analysis.factors_analyse(series=series, start=plan.window_start, end=plan.window_end)
    return {
        "week": week_label(week_start, user.week_starts_on),
        "starts_on": week_start.isoformat(),
        "ends_on": end.isoformat(),
        "timezone": user.timezone,
        "day_starts_at": user.day_starts_at.strftime("%H:%M"),
        "week_starts_on": user.week_starts_on,
        "complete": plan.complete,
        "in_progress": not plan.complete,
        "built_for_day": today.isoformat(),
        "episodes": episodes,
        "hydration": selectors.hydration_summary(week, series.goal_ml),
        "relief": selectors.relief_summary(week),
        "days": [d.as_json() for d in week],
        "factor_keys": [f.key for f in series.factors],
        "change": change,
        "factors": factors["results"],
        "factors_window": factors["window"],
        "context": context_items(user=user),
        "red_flags": selectors.red_flags(
            user=user,
            start=week_start,
            end=end,
            days=week,
            recent=series.between(plan.window_end - dt.timedelta(days=13), plan.window_end),
            episodes=series.flagged,
        ),
        "medication_changes": changes,
        "medicines": medication["medicines"],
        "reminders": reminders,
    }
