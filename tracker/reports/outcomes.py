"""Clinical outcome measures as cramp trials report them, from plain DayRows (design
§6, outcome measures v2): cramps and cramp days per 7 logged days, mean and worst
severity, mean duration per cramp, minutes cramping, nights with sleep disturbed.

Change and the ≥ 25% / ≥ 50% responder marks are made only for a complete week with
at least 4 logged days, against a fixed baseline (the weeks before a chosen start, or
the 8 weeks before the week when nothing was started), each change with an exact
Poisson rate-ratio interval. Rates are per logged (observed) day: a day with nothing
logged says nothing about cramps. Nothing is rounded until it is shown."""

from collections.abc import Sequence

from tracker.reports import stats
from tracker.reports.series import DayRow

BASELINE_WEEKS = 8
MIN_LOGGED_DAYS = 4
RESPONDER_25, RESPONDER_50 = 0.25, 0.50
PER = 7  # rates per 7 logged days
# A fixed baseline is the 4 weeks before a start, of which at least 2 must be logged weeks.
FIXED_WEEKS, FIXED_MIN_WEEKS = 4, 2


def _per7(count: float, days: int) -> float | None:
    return PER * count / days if days else None


def _r(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)


def episodes_summary(days: Sequence[DayRow]) -> dict:
    count = sum(d.episodes for d in days)
    logged = [d for d in days if d.observed]
    by_muscle: dict[str, int] = {}
    for d in days:
        for muscle, n in d.by_muscle.items():
            by_muscle[muscle] = by_muscle.get(muscle, 0) + n
    worst = [d.worst_severity for d in days if d.worst_severity is not None]
    minutes = sum(d.minutes for d in days)
    cramp_days = sum(d.cramp_day for d in logged)
    return {
        "count": count,
        "cramp_days": cramp_days,
        "night_count": sum(d.night_cramps for d in days),
        "nights_with_cramps": sum(d.night_cramps > 0 for d in days),
        "mean_severity": _r(sum(d.severity_sum for d in days) / count) if count else None,
        "worst_severity": max(worst) if worst else None,
        "total_minutes": round(minutes, 1),
        "mean_duration_seconds": round(60 * minutes / count) if count else None,
        "sleep_disturbed_nights": sum(d.sleep_disturbed > 0 for d in days),
        "observed_days": len(logged),
        "logged_days": len(logged),
        "per_7_logged_days": _r(_per7(count, len(logged))),
        "cramp_days_per_7_logged_days": _r(_per7(cramp_days, len(logged))),
        "by_muscle": dict(sorted(by_muscle.items(), key=lambda kv: (-kv[1], kv[0]))),
    }


def qualifying_weeks(days: Sequence[DayRow]) -> list[list[DayRow]]:
    """7-day chunks of `days` with at least 4 logged days: only these make a baseline."""
    weeks = [list(days[i : i + 7]) for i in range(0, len(days), 7)]
    return [w for w in weeks if sum(d.observed for d in w) >= MIN_LOGGED_DAYS]


def _counts(days: Sequence[DayRow]) -> tuple[int, int, int]:
    logged = [d for d in days if d.observed]
    return sum(d.episodes for d in logged), sum(d.cramp_day for d in logged), len(logged)


def compare(*, week: Sequence[DayRow], baseline: Sequence[DayRow], complete: bool, min_weeks: int = 1) -> dict:
    """This week's cramps per 7 logged days against a baseline's, with the exact
    Poisson interval of the ratio and the responder marks; nothing for a week in
    progress or with fewer than 4 logged days (`reason` says why)."""
    x1, _, t1 = _counts(week)
    weeks = qualifying_weeks(baseline)
    x0, cramp_days0, t0 = _counts([d for w in weeks for d in w])
    result = {
        "per_week": _r(_per7(x0, t0)),
        "cramp_days_per_week": _r(_per7(cramp_days0, t0)),
        "weeks_logged": len(weeks),
        "logged_days": t0,
        "change_pct": None,
        "change_low_pct": None,
        "change_high_pct": None,
        "responder_25": None,
        "responder_50": None,
        "reason": None,
    }
    if not complete:
        result["reason"] = "This week is still in progress, so it is not compared yet."
    elif t1 == 0:
        result["reason"] = f"Nothing was logged this week; a comparison needs at least {MIN_LOGGED_DAYS} logged days."
    elif t1 < MIN_LOGGED_DAYS:
        logged = f"Only {t1} of 7 days {'was' if t1 == 1 else 'were'} logged this week"
        result["reason"] = f"{logged}; a comparison needs at least {MIN_LOGGED_DAYS}."
    elif len(weeks) < min_weeks:
        needed = "a week" if min_weeks == 1 else f"{min_weeks} weeks"
        result["reason"] = f"No baseline yet: it needs {needed} with at least {MIN_LOGGED_DAYS} logged days."
    elif x0 == 0:
        result["reason"] = "No cramps in the baseline, so a change cannot be given as a percentage."
    if result["reason"]:
        return result
    rr, low, high = stats.poisson_rate_ratio(x1, t1, x0, t0)
    result.update(
        change_pct=_r(100 * (rr - 1)),
        change_low_pct=_r(None if low is None else 100 * (low - 1)),
        change_high_pct=_r(None if high is None else 100 * (high - 1)),
        # Exact comparison of the unrounded rates: 3 of 4 a week is a 25% responder.
        responder_25=x1 * t0 <= (1 - RESPONDER_25) * x0 * t1 + 1e-9,
        responder_50=x1 * t0 <= (1 - RESPONDER_50) * x0 * t1 + 1e-9,
    )
    return result


def change_summary(
    *,
    week: Sequence[DayRow],
    previous: Sequence[DayRow],
    baseline: Sequence[DayRow],
    complete: bool,
    fixed: dict | None = None,
) -> dict:
    """`baseline` is the 8 weeks before `week`; `fixed`, when a start was chosen,
    {"label", "on", "days"} with the days of the weeks before it."""
    previous_complete = complete  # the week before a complete week is complete too
    prev = compare(week=week, baseline=previous, complete=previous_complete)
    prev_count, prev_cramp_days, prev_logged = _counts(previous)
    eight = compare(week=week, baseline=baseline, complete=complete)
    fixed_result = None
    if fixed is not None:
        fixed_result = {
            "label": fixed["label"],
            "start": fixed["on"].isoformat(),
            **compare(week=week, baseline=fixed["days"], complete=complete, min_weeks=FIXED_MIN_WEEKS),
        }
    against = fixed_result or eight
    return {
        "week_complete": complete,
        "logged_days": _counts(week)[2],
        "previous_week": {
            "count": prev_count,
            "cramp_days": prev_cramp_days,
            "logged_days": prev_logged,
            # Against the previous week only when it, too, had 4 logged days.
            "change_pct": prev["change_pct"] if prev["weeks_logged"] else None,
            "change_low_pct": prev["change_low_pct"] if prev["weeks_logged"] else None,
            "change_high_pct": prev["change_high_pct"] if prev["weeks_logged"] else None,
        },
        "baseline_8_weeks": eight,
        "fixed_baseline": fixed_result,
        "responder": against["responder_25"],
        "responder_50": against["responder_50"],
        "reason": against["reason"],
    }


FREQUENT_DAYS, FREQUENT_OF, FREQUENT_MIN_OBSERVED = 10, 14, 10
FREQUENT_NIGHTS, FREQUENT_NIGHTS_OF = 5, 7


def frequent_cramps(days: Sequence[DayRow]) -> dict | None:
    """Cramps that come back often or every night (design §6): cramps on 10 or more of
    the last 14 diary days (with at least 10 observed), or night cramps on 5 or more of
    the last 7 nights. `days` ends with the last diary day to judge."""
    last14, last7 = list(days)[-FREQUENT_OF:], list(days)[-FREQUENT_NIGHTS_OF:]
    cramp_days = sum(d.cramp_day for d in last14 if d.observed)
    observed = sum(d.observed for d in last14)
    nights = sum(d.night_cramps > 0 for d in last7)
    if observed >= FREQUENT_MIN_OBSERVED and cramp_days >= FREQUENT_DAYS:
        text = f"You had cramps on {cramp_days} of the last {len(last14)} days"
    elif nights >= FREQUENT_NIGHTS:
        text = f"You had night cramps on {nights} of the last {len(last7)} nights"
    else:
        return None
    return {
        "day": last14[-1].day.isoformat() if last14 else None,
        "kind": "frequent_cramps",
        "symptoms": [],
        "cramp_days": cramp_days,
        "nights": nights,
        "message": f"{text}: that needs a doctor. Cramps that come back often or every night should be checked "
        "— see a doctor.",
    }


def trial_weeks(days: Sequence[DayRow], *, start, today) -> dict:
    """Outcome measures as a trial reports them around a chosen start (a medicine,
    supplement or experiment): the fixed baseline of the 4 weeks before `start`, then
    each week from `start` with its measures, change and responder marks. `days` runs
    from 28 days before `start` to the last day shown."""
    import datetime as dt

    by_day = {d.day: d for d in days}
    baseline = [by_day[start - dt.timedelta(days=k)] for k in range(FIXED_WEEKS * 7, 0, -1)]
    weeks = []
    first = start
    while first <= today and len(weeks) < MAX_TRIAL_WEEKS:
        week = [by_day[first + dt.timedelta(days=k)] for k in range(7) if first + dt.timedelta(days=k) in by_day]
        complete = first + dt.timedelta(days=6) < today
        weeks.append(
            {
                "starts_on": first.isoformat(),
                "complete": complete,
                "episodes": episodes_summary(week),
                "change": compare(week=week, baseline=baseline, complete=complete, min_weeks=FIXED_MIN_WEEKS),
            }
        )
        first += dt.timedelta(days=7)
    return {"start": start.isoformat(), "baseline": episodes_summary(baseline), "weeks": weeks}


MAX_TRIAL_WEEKS = 12
