"""Factor analysis over a trailing window of diary days: each factor of the registry
at lag 0 (same diary day) and lag 1 (the diary day before), observed days only.
Takes a Series (plain values) and returns plain JSON-ready dicts."""

import datetime as dt

from tracker.reports import stats
from tracker.reports.registry import CONTINUOUS, Factor
from tracker.reports.series import Series

WINDOW_DAYS = 84
LAGS = (0, 1)


def _pct(n: int, total: int) -> str:
    return f"{n} of {total}"


def _summary(factor: Factor, lag: int, table: stats.Table) -> str:
    when = f"when {factor.phrase}" if lag == 0 else f"after a day when {factor.phrase}"
    return f"Cramps on {_pct(table.a, table.exposed)} days {when}, vs {_pct(table.c, table.unexposed)} otherwise."


def _verdict(factor: Factor, lag: int, row: dict, tests: int) -> str:
    on = "the same day" if lag == 0 else "the next day"
    label = factor.label
    evidence = row["evidence"]
    if evidence == stats.INSUFFICIENT:
        return f"Not enough data yet to tell: at least {row['days_needed']} more logged days needed."
    if evidence in (stats.STRONG, stats.MODERATE):
        return f"“{label}” is linked with more cramps {on} ({evidence} evidence)."
    if evidence == stats.WEAK:
        direction = "more" if (row["rate_ratio"] or 1) >= 1 else "fewer"
        return (
            f"“{label}” may be linked with {direction} cramps {on}, but the link is weak: "
            f"it does not hold up after allowing for the {tests} comparisons made."
        )
    return f"No clear link between “{label}” and cramps {on}."


def _test(factor: Factor, lag: int, series: Series, start: dt.date, end: dt.date) -> dict:
    by_day = {row.day: row for row in series.days}
    exposures, outcomes, values = [], [], []
    reverse_cause, reverse_effect = [], []
    for row in series.days:
        if not (start <= row.day <= end) or not row.observed:
            continue
        before = by_day.get(row.day - dt.timedelta(days=lag))
        value = before.factors.get(factor.key) if before else None
        if value is not None:
            exposures.append(factor.exposed(value))
            outcomes.append(row.cramp_day)
            values.append(float(value))
        # Reverse direction: does the factor follow cramp days (cramp on d, exposure on d+1)?
        after = by_day.get(row.day + dt.timedelta(days=1))
        if after is not None and after.day <= end:
            following = after.factors.get(factor.key)
            if following is not None:
                reverse_cause.append(row.cramp_day)
                reverse_effect.append(factor.exposed(following))

    table = stats.table_count(exposures, outcomes)
    rr, low, high = stats.risk_ratio_katz(table)
    p = stats.fisher_p(table) if table.exposed and table.unexposed else None
    reverse = stats.table_count(reverse_cause, reverse_effect)
    reverse_p = stats.fisher_p(reverse) if reverse.exposed and reverse.unexposed else None
    rho = stats.spearman_rho(values, [float(o) for o in outcomes]) if factor.kind == CONTINUOUS else None
    return {
        "factor": factor.key,
        "label": factor.label,
        "kind": factor.kind,
        "unit": factor.unit,
        "rule": factor.rule,
        "lag": lag,
        "exposed_days": table.exposed,
        "exposed_cramp_days": table.a,
        "unexposed_days": table.unexposed,
        "unexposed_cramp_days": table.c,
        "rate_ratio": stats.finite(rr, 2),
        "ci_low": stats.finite(low, 2),
        "ci_high": stats.finite(high, 2),
        "p_value": stats.significant(p),
        "q_value": None,
        "rho": stats.finite(rho, 2),
        "reverse_p_value": stats.significant(reverse_p),
        "follows_cramps": bool(reverse_p is not None and reverse_p < 0.05 and (p is None or reverse_p < p)),
        "evidence": stats.INSUFFICIENT,
        "days_needed": stats.days_needed(table) if stats.is_insufficient(table) else 0,
        "summary": _summary(factor, lag, table),
        "_table": table,
        "_p": p,
        "_ci_low": low,
    }


def factors_analyse(*, series: Series, start: dt.date, end: dt.date) -> dict:
    """`series` must start by `start - 1 day` so lag 1 has its day before."""
    rows = [_test(factor, lag, series, start, end) for factor in series.factors for lag in LAGS]
    tested = [r for r in rows if not stats.is_insufficient(r["_table"]) and r["_p"] is not None]
    for row, q in zip(tested, stats.benjamini_hochberg([r["_p"] for r in tested]), strict=True):
        row["q_value"] = stats.significant(q)
        row["_q"] = q
    for row in rows:
        row["evidence"] = stats.evidence_label(table=row["_table"], p=row["_p"], q=row.get("_q"), ci_low=row["_ci_low"])
        row["verdict"] = _verdict(_factor_of(series, row["factor"]), row["lag"], row, len(tested))
    rank = {label: i for i, label in enumerate(stats.EVIDENCE_ORDER)}
    rows.sort(key=lambda r: (rank[r["evidence"]], r["_p"] if r["_p"] is not None else 2.0))
    for row in rows:
        for private in ("_table", "_p", "_q", "_ci_low"):
            row.pop(private, None)
    window = [d for d in series.days if start <= d.day <= end]
    observed = [d for d in window if d.observed]
    return {
        "window": {
            "from": start.isoformat(),
            "to": end.isoformat(),
            "days": len(window),
            "observed_days": len(observed),
            "cramp_days": sum(d.cramp_day for d in observed),
            "tests": len(tested),
        },
        "results": rows,
    }


def _factor_of(series: Series, key: str) -> Factor:
    return next(f for f in series.factors if f.key == key)
