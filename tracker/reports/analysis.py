"""Factor analysis over a trailing window of diary days: each factor of the registry
at lag 0 (same diary day; timed exposures only before the day's first cramp) and lag 1
(the whole diary day before), over observed days with the factor known. Takes a
Series (plain values) and returns plain JSON-ready dicts.

The test (design §6, inference v2): a Mantel–Haenszel risk ratio stratified by 4-week
period (slow drift cannot pass for a link), its log variance widened by
(1 + r_x·r_y)/(1 − r_x·r_y) for the day-to-day persistence of the exposure (r_x) and of
the cramp days net of the exposure (r_y), the 95% CI and a Wald p from that one
variance, then Benjamini–Hochberg q-values across the window's tests."""

import datetime as dt
from dataclasses import dataclass

from tracker.reports import stats
from tracker.reports.registry import CONTINUOUS, MEDICATION_PREFIX, Factor
from tracker.reports.series import Series

WINDOW_DAYS = 84
LAGS = (0, 1)

METHOD = (
    "Each factor is compared between the logged days with it and without it, within each "
    "4-week period, allowing for how cramps and habits run on from one day to the next, and "
    "checked for the number of comparisons made. A link is a guide to discuss with your "
    "doctor, not proof of a cause."
)
MEDICINE_CAUTION = "Do not stop or change a medicine without your doctor."
DAILY_MEDICINE = "daily"
DAILY_SHARE = 0.9


def _summary(factor: Factor, lag: int, table: stats.Table) -> str:
    when = f"when {factor.phrase}" if lag == 0 else f"after a day when {factor.phrase}"
    return f"Cramps on {table.a} of {table.exposed} days {when}, vs {table.c} of {table.unexposed} otherwise."


def _days(n: int) -> str:
    return f"{n} day" if n == 1 else f"{n} days"


def _missing(table: stats.Table) -> str:
    """What an insufficient test still needs, in words."""
    needs = []
    if table.n < stats.MIN_OBSERVED_DAYS:
        needs.append(f"at least {stats.MIN_OBSERVED_DAYS} logged days where this is known ({table.n} so far)")
    if table.exposed < stats.MIN_DAYS_EACH_SIDE or table.unexposed < stats.MIN_DAYS_EACH_SIDE:
        needs.append(
            f"at least {stats.MIN_DAYS_EACH_SIDE} days with it and {stats.MIN_DAYS_EACH_SIDE} without "
            f"({table.exposed} with, {table.unexposed} without so far)"
        )
    if table.cramp_days < stats.MIN_CRAMP_DAYS:
        needs.append(f"at least {stats.MIN_CRAMP_DAYS} cramp days ({table.cramp_days} so far)")
    return "; ".join(needs)


def _not_comparable(factor: Factor, reason: str) -> str:
    if reason == stats.ALL_CRAMP_DAYS:
        return "You had cramps on every logged day, so no factor can be compared."
    if reason == stats.NO_CRAMP_DAYS:
        return "You had no cramps on any logged day, so no factor can be compared."
    if reason == DAILY_MEDICINE:
        return (
            f"{factor.phrase[0].upper()}{factor.phrase[1:]} on nearly every logged day, so it is not compared day by "
            "day; a start or stop shows in the before/after view."
        )
    if reason == stats.ALWAYS_EXPOSED:
        return f"On every logged day where it is known, {factor.phrase}, so there are no days without it to compare."
    return f"There was no logged day when {factor.phrase}, so there is nothing to compare."


def _verdict(factor: Factor, lag: int, row: dict, tests: int, reason: str | None, table: stats.Table) -> str:
    on = "the same day" if lag == 0 else "the next day"
    label = factor.label
    evidence = row["evidence"]
    direction = "more" if (row["risk_ratio"] or 1) >= 1 else "fewer"
    if evidence == stats.NOT_COMPARABLE:
        text = _not_comparable(factor, reason)
    elif evidence == stats.INSUFFICIENT:
        text = f"Not enough data yet to tell: this needs {_missing(table)}."
    elif evidence in (stats.STRONG, stats.MODERATE):
        text = f"“{label}” is linked with {direction} cramps {on} ({evidence} evidence)."
    elif evidence == stats.WEAK:
        text = (
            f"“{label}” may be linked with {direction} cramps {on}, but the link is weak: "
            f"it does not hold up after allowing for the {tests} comparisons made."
        )
    else:
        text = f"No clear link between “{label}” and cramps {on}."
    if factor.key.startswith(MEDICATION_PREFIX):
        text += " " + MEDICINE_CAUTION
    return text


def _rho_note(factor: Factor, rho: float | None) -> str | None:
    """Which way rho points, in words: for a "below" factor (low fluid, short sleep) a
    negative rho is the direction its rule names."""
    if rho is None or factor.kind != CONTINUOUS:
        return None
    if round(rho, 2) == 0:
        return "rho 0.00: no trend between the amount and cramp days."
    way = "higher" if rho > 0 else "lower"
    note = f"rho {rho:+.2f}: the {way} the {factor.unit}, the more often a cramp day."
    if factor.below:
        agrees = "agrees with" if rho < 0 else "runs against"
        note += f" This factor counts low values, so a negative rho is its direction; this one {agrees} it."
    return note


def _estimate(cells: list[tuple[int, bool, bool]]) -> tuple[stats.Table, stats.Estimate]:
    """cells: (day index, exposed, cramp), in day order. MH over 4-week strata,
    widened for persistence."""
    return _estimate_days([i for i, _, _ in cells], [e for _, e, _ in cells], [c for _, _, c in cells])


def _estimate_days(days: list[int], exposed: list[bool], cramps: list[bool]) -> tuple[stats.Table, stats.Estimate]:
    """_estimate from parallel lists (day index, in order; exposed; cramp day): the
    factor analysis makes three of these per factor, so the loops are kept lean."""
    strata: dict[int, list[int]] = {}
    for index, e, c in zip(days, exposed, cramps, strict=True):
        stratum = index // stats.STRATUM_DAYS
        cell = strata.get(stratum)
        if cell is None:
            cell = strata[stratum] = [0, 0, 0, 0]
        cell[(0 if e else 2) + (0 if c else 1)] += 1
    tables = [stats.Table(*cell) for cell in strata.values()]
    total = stats.Table(*(sum(t[i] for t in strata.values()) for i in range(4)))
    if stats.mantel_haenszel_undefined(tables):
        return total, stats.UNDEFINED  # the persistence would change nothing
    # The cramp days' persistence is taken net of the exposure (cramp day minus the
    # cramp rate of its exposure group): with no effect it is the cramp series' own,
    # but a real effect of a persistent exposure makes cramp days persist too, and
    # counting that as noise would hide the effect (power 2% → 9% in bench.stats_null).
    rate_exposed = total.a / total.exposed if total.exposed else 0.0
    rate_unexposed = total.c / total.unexposed if total.unexposed else 0.0
    xs = [1.0 if e else 0.0 for e in exposed]
    net = [(1.0 if c else 0.0) - (rate_exposed if e else rate_unexposed) for e, c in zip(exposed, cramps, strict=True)]
    inflation = stats.persistence_factor(
        stats.lag1_autocorrelation_at(days, xs), stats.lag1_autocorrelation_at(days, net)
    )
    return total, stats.mantel_haenszel(tables, inflation=inflation)


def _test(
    factor: Factor,
    lag: int,
    estimated: tuple[stats.Table, stats.Estimate],
    values: list[float],
    outcomes: list[float],
    reverse_estimate: stats.Estimate,
) -> dict:
    """One factor at one lag: its table and estimate over the observed days where it
    is known, the `values` and cramp `outcomes` of those days for rho, and the
    factor's reverse check (the same at both lags)."""
    table, estimate = estimated
    reason = stats.not_comparable_reason(table)
    if reason is None and factor.key.startswith(MEDICATION_PREFIX) and table.exposed >= DAILY_SHARE * table.n:
        # A medicine taken (nearly) every day is a change, not a day-to-day factor: the
        # before/after view shows it.
        reason = DAILY_MEDICINE
    rho = stats.spearman_rho(values, outcomes) if factor.kind == CONTINUOUS else None
    testable = reason is None and not stats.is_insufficient(table) and estimate.p is not None
    p, rp = estimate.p, reverse_estimate.p
    return {
        "factor": factor.key,
        "label": factor.label,
        "kind": factor.kind,
        "unit": factor.unit,
        "rule": factor.rule,
        "timed": factor.timed,
        "lag": lag,
        "exposed_days": table.exposed,
        "exposed_cramp_days": table.a,
        "unexposed_days": table.unexposed,
        "unexposed_cramp_days": table.c,
        "risk_ratio": stats.finite(estimate.ratio, 2),
        # The same figure under its first name (kept for clients written before v2).
        "rate_ratio": stats.finite(estimate.ratio, 2),
        "ci_low": stats.finite(estimate.low, 2),
        "ci_high": stats.finite(estimate.high, 2),
        "p_value": stats.significant(p),
        "q_value": None,
        "persistence_inflation": stats.finite(estimate.inflation, 2),
        "rho": stats.finite(rho, 2),
        "rho_note": _rho_note(factor, rho),
        "reverse_p_value": stats.significant(rp),
        "follows_cramps": bool(
            rp is not None and rp < 0.05 and (reverse_estimate.ratio or 1) > 1 and (p is None or rp < p)
        ),
        "evidence": stats.INSUFFICIENT,
        "direction": None,
        "not_comparable_reason": reason,
        "days_needed": stats.days_needed(table) if reason is None and stats.is_insufficient(table) else 0,
        "summary": _summary(factor, lag, table),
        "_table": table,
        "_p": p if testable else None,
        "_reason": reason,
        "_factor": factor,
    }


@dataclass
class _Observed:
    """The window's observed days as parallel lists, made once for all factors: the
    day's index in the window, cramp day or not, where its lag-0 values are (before
    the first cramp on a cramp day), the day before's values and the day after's."""

    index: list[int]
    cramp: list[bool]
    lag0: list[dict]
    lag1: list[dict | None]
    following: list[dict | None]


def _observed(series: Series, start: dt.date, end: dt.date) -> _Observed:
    by_day = {row.day: row for row in series.days}
    one = dt.timedelta(days=1)
    days = [row for row in series.days if start <= row.day <= end and row.observed]
    before = [by_day.get(row.day - one) for row in days]
    after = [by_day.get(row.day + one) if row.day < end else None for row in days]
    return _Observed(
        index=[(row.day - start).days for row in days],
        cramp=[row.cramp_day for row in days],
        lag0=[row.factors if row.factors_before is None else row.factors_before for row in days],
        lag1=[None if row is None else row.factors for row in before],
        following=[None if row is None else row.factors for row in after],
    )


def _factor_tests(factor: Factor, observed: _Observed) -> list[dict]:
    """The factor at lag 0 and lag 1, and its reverse check (exposure on the day after
    a cramp day), over the observed days where it is known."""
    key, threshold, below = factor.key, factor.threshold, factor.below
    cramp = observed.cramp

    def known(sources: list[dict | None]) -> tuple[list[int], list[float]]:
        raw = [None if source is None else source.get(key) for source in sources]
        at = [k for k, value in enumerate(raw) if value is not None]
        return at, [float(raw[k]) for k in at]

    def exposed(values: list[float]) -> list[bool]:
        # Factor.exposed, on the values already made floats.
        return [v < threshold for v in values] if below else [v >= threshold for v in values]

    at, values = known(observed.following)
    reverse = _estimate_days([observed.index[k] for k in at], [cramp[k] for k in at], exposed(values))[1]
    rows = []
    for lag, sources in zip(LAGS, (observed.lag0, observed.lag1), strict=True):
        at, values = known(sources)
        cramps = [cramp[k] for k in at]
        estimated = _estimate_days([observed.index[k] for k in at], exposed(values), cramps)
        outcomes = [1.0 if c else 0.0 for c in cramps]
        rows.append(_test(factor, lag, estimated, values, outcomes, reverse))
    return rows


def factors_analyse(*, series: Series, start: dt.date, end: dt.date) -> dict:
    """`series` must start by `start - 1 day` so lag 1 has its day before."""
    observed = _observed(series, start, end)
    rows = [row for factor in series.factors for row in _factor_tests(factor, observed)]
    tested = [r for r in rows if r["_p"] is not None]
    for row, q in zip(tested, stats.benjamini_hochberg([r["_p"] for r in tested]), strict=True):
        row["q_value"] = stats.significant(q)
        row["_q"] = q
    for row in rows:
        row["evidence"] = stats.evidence_label(table=row["_table"], p=row["_p"], q=row.get("_q"))
        if row["_reason"] == DAILY_MEDICINE:
            row["evidence"] = stats.NOT_COMPARABLE
        if row["evidence"] in (stats.STRONG, stats.MODERATE, stats.WEAK):
            row["direction"] = "more" if (row["risk_ratio"] or 1) >= 1 else "fewer"
        row["verdict"] = _verdict(row["_factor"], row["lag"], row, len(tested), row["_reason"], row["_table"])
    rank = {label: i for i, label in enumerate(stats.EVIDENCE_ORDER)}
    rows.sort(key=lambda r: (rank[r["evidence"]], r["_p"] if r["_p"] is not None else 2.0))
    for row in rows:
        for private in ("_table", "_p", "_q", "_reason", "_factor"):
            row.pop(private, None)
    window = [d for d in series.days if start <= d.day <= end]
    observed = [d for d in window if d.observed]
    cramp_days = sum(d.cramp_day for d in observed)
    return {
        "window": {
            "from": start.isoformat(),
            "to": end.isoformat(),
            "days": len(window),
            "observed_days": len(observed),
            "cramp_days": cramp_days,
            "tests": len(tested),
            "method": METHOD,
            "not_comparable": _window_reason(len(observed), cramp_days),
        },
        "results": rows,
    }


def _window_reason(observed: int, cramp_days: int) -> str | None:
    if observed and cramp_days == observed:
        return "You had cramps on every logged day, so no factor can be compared."
    if observed and cramp_days == 0:
        return "You had no cramps on any logged day, so no factor can be compared."
    return None
