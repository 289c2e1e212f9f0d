"""Clinical outcome measures as cramp trials report them, from plain DayRows:
cramps and cramp days per week, mean and worst severity, minutes cramping, nights
with sleep disturbed; change against the previous week and the 8-week baseline,
with the responder mark (at least 25% fewer cramps than the baseline)."""

from collections.abc import Sequence

from tracker.reports.series import DayRow

BASELINE_WEEKS = 8
RESPONDER_REDUCTION = 0.25


def episodes_summary(days: Sequence[DayRow]) -> dict:
    count = sum(d.episodes for d in days)
    by_muscle: dict[str, int] = {}
    for d in days:
        for muscle, n in d.by_muscle.items():
            by_muscle[muscle] = by_muscle.get(muscle, 0) + n
    worst = [d.worst_severity for d in days if d.worst_severity is not None]
    return {
        "count": count,
        "cramp_days": sum(d.cramp_day for d in days),
        "night_count": sum(d.night_cramps for d in days),
        "nights_with_cramps": sum(d.night_cramps > 0 for d in days),
        "mean_severity": round(sum(d.severity_sum for d in days) / count, 1) if count else None,
        "worst_severity": max(worst) if worst else None,
        "total_minutes": round(sum(d.minutes for d in days), 1),
        "sleep_disturbed_nights": sum(d.sleep_disturbed > 0 for d in days),
        "observed_days": sum(d.observed for d in days),
        "by_muscle": dict(sorted(by_muscle.items(), key=lambda kv: (-kv[1], kv[0]))),
    }


def _change_pct(now: float, before: float) -> float | None:
    if not before:
        return None
    return round(100 * (now - before) / before, 1)


def change_summary(*, week: Sequence[DayRow], previous: Sequence[DayRow], baseline: Sequence[DayRow]) -> dict:
    """`baseline` is the 8 weeks before `week`; its per-week mean counts only the weeks
    with at least one logged day, so weeks before the diary began do not dilute it."""
    count = sum(d.episodes for d in week)
    prev_count = sum(d.episodes for d in previous)
    weeks = [baseline[i : i + 7] for i in range(0, len(baseline), 7)]
    logged_weeks = [w for w in weeks if any(d.observed for d in w)]
    per_week = round(sum(d.episodes for w in logged_weeks for d in w) / len(logged_weeks), 1) if logged_weeks else None
    cramp_days_per_week = (
        round(sum(d.cramp_day for w in logged_weeks for d in w) / len(logged_weeks), 1) if logged_weeks else None
    )
    responder = bool(per_week and count <= (1 - RESPONDER_REDUCTION) * per_week)
    return {
        "previous_week": {
            "count": prev_count,
            "cramp_days": sum(d.cramp_day for d in previous),
            "change_pct": _change_pct(count, prev_count),
        },
        "baseline_8_weeks": {
            "per_week": per_week,
            "cramp_days_per_week": cramp_days_per_week,
            "weeks_logged": len(logged_weeks),
            "change_pct": _change_pct(count, per_week or 0),
        },
        "responder": responder,
    }
