"""Pure statistics over plain values (no database; the tests check every figure against
scipy.stats or a computation by hand): 2×2 tables, the Mantel–Haenszel risk ratio
over 4-week strata with its variance widened for day-to-day persistence (the test the
reports make), the Katz interval and Fisher's exact test (one stratum, independent
days), the exact Poisson rate ratio, Spearman's rho, Benjamini–Hochberg q-values and
the evidence label. Nothing here returns NaN or infinity: an undefined figure is None.

Why the widening: cramps and exposures persist from day to day (a week of heat, a
run of bad nights), so 84 diary days carry less information than 84 independent
days, and a test that assumes independence finds links that are not there (31% of
null 12-week diaries in simulation). For two AR(1)-like series with lag-1
autocorrelations r_x and r_y the variance of their association grows by
(1 + r_x·r_y)/(1 − r_x·r_y) (Bartlett 1935); stratifying by 4-week period removes
slow drift. analysis.py passes r_y of the cramp days net of the exposure.
`python -m bench stats_null` measures the result on simulated diaries."""

import math
from collections.abc import Sequence
from dataclasses import dataclass

from scipy import special as _special

Z_95 = 1.959963984540054

MIN_OBSERVED_DAYS = 14
MIN_DAYS_EACH_SIDE = 5
MIN_CRAMP_DAYS = 3
STRATUM_DAYS = 28
# r_x·r_y is capped so a pathological series cannot make the variance infinite.
MAX_PERSISTENCE_PRODUCT = 0.95

STRONG, MODERATE, WEAK, NONE = "strong", "moderate", "weak", "none"
NOT_COMPARABLE, INSUFFICIENT = "not_comparable", "insufficient"
EVIDENCE_ORDER = [STRONG, MODERATE, WEAK, NONE, NOT_COMPARABLE, INSUFFICIENT]


@dataclass(frozen=True)
class Table:
    """exposed_cramp (a), exposed_clear (b), unexposed_cramp (c), unexposed_clear (d)."""

    a: int
    b: int
    c: int
    d: int

    @property
    def exposed(self) -> int:
        return self.a + self.b

    @property
    def unexposed(self) -> int:
        return self.c + self.d

    @property
    def n(self) -> int:
        return self.a + self.b + self.c + self.d

    @property
    def cramp_days(self) -> int:
        return self.a + self.c


def finite(value: float | None, digits: int | None = None) -> float | None:
    if value is None:
        return None
    value = float(value)
    if not math.isfinite(value):
        return None
    return round(value, digits) if digits is not None else value


def significant(value: float | None, figures: int = 3) -> float | None:
    value = finite(value)
    return None if value is None else float(f"{value:.{figures}g}")


def table_count(exposures: Sequence[bool], outcomes: Sequence[bool]) -> Table:
    a = b = c = d = 0
    for exposed, outcome in zip(exposures, outcomes, strict=True):
        if exposed:
            a, b = a + outcome, b + (not outcome)
        else:
            c, d = c + outcome, d + (not outcome)
    return Table(int(a), int(b), int(c), int(d))


def risk_ratio_katz(table: Table, z: float = Z_95) -> tuple[float | None, float | None, float | None]:
    """Risk ratio with a 95% CI by the Katz log method; 0.5 is added to every cell
    when one is zero. Undefined (None) with an empty row or no outcome at all."""
    if table.exposed == 0 or table.unexposed == 0 or table.cramp_days == 0:
        return None, None, None
    a, b, c, d = table.a, table.b, table.c, table.d
    if 0 in (a, b, c, d):
        a, b, c, d = a + 0.5, b + 0.5, c + 0.5, d + 0.5
    n1, n0 = a + b, c + d
    rr = (a / n1) / (c / n0)
    se = math.sqrt(1 / a - 1 / n1 + 1 / c - 1 / n0)
    low, high = math.exp(math.log(rr) - z * se), math.exp(math.log(rr) + z * se)
    return finite(rr), finite(low), finite(high)


# scipy's relative tolerance for "as or less likely than the observed table".
FISHER_RTOL = 1 + 1e-7


def fisher_p(table: Table) -> float:
    """Two-sided Fisher exact p, as scipy.stats.fisher_exact computes it (the tests check
    it against scipy), summed here over the hypergeometric probabilities with exact
    integer binomials: scipy's per-call overhead (~3 ms) times some 60 tests a report
    would take the weekly report past its 200 ms budget. 1.0 with an empty margin."""
    a, b, c, d = table.a, table.b, table.c, table.d
    n, exposed, cramps = a + b + c + d, a + b, a + c
    if 0 in (exposed, c + d, cramps, b + d):
        return 1.0
    low, high = max(0, cramps - (c + d)), min(exposed, cramps)
    weights = [math.comb(cramps, x) * math.comb(n - cramps, exposed - x) for x in range(low, high + 1)]
    observed = weights[a - low]
    total = math.comb(n, exposed)
    tail = sum(w for w in weights if w <= observed * FISHER_RTOL)
    return min(tail / total, 1.0)


def _average_ranks(values: Sequence[float]) -> list[float]:
    order = sorted(range(len(values)), key=values.__getitem__)
    ranks = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return ranks


def spearman_rho(x: Sequence[float], y: Sequence[float]) -> float | None:
    """Spearman's rank correlation (Pearson's r of the average ranks, as
    scipy.stats.spearmanr; checked against it), in plain Python for the same reason
    as fisher_p. None when undefined (fewer than 3 pairs or a constant)."""
    if len(x) < 3 or len(set(x)) < 2 or len(set(y)) < 2:
        return None
    rx, ry = _average_ranks(x), _average_ranks(y)
    mx, my = sum(rx) / len(rx), sum(ry) / len(ry)
    cov = sum((a - mx) * (b - my) for a, b in zip(rx, ry, strict=True))
    var = math.sqrt(sum((a - mx) ** 2 for a in rx) * sum((b - my) ** 2 for b in ry))
    return finite(cov / var) if var else None


def benjamini_hochberg(p_values: Sequence[float]) -> list[float]:
    """BH step-up q-values, in the input order: q(i) = min over ranks j >= i of p(j)·m/j."""
    m = len(p_values)
    order = sorted(range(m), key=lambda i: p_values[i])
    q = [1.0] * m
    running = 1.0
    for rank in range(m, 0, -1):
        i = order[rank - 1]
        running = min(running, p_values[i] * m / rank)
        q[i] = min(running, 1.0)
    return q


def days_needed(table: Table) -> int:
    """A lower bound on the further observed days needed before a test is made."""
    return max(
        MIN_OBSERVED_DAYS - table.n,
        MIN_DAYS_EACH_SIDE - table.exposed,
        MIN_DAYS_EACH_SIDE - table.unexposed,
        MIN_CRAMP_DAYS - table.cramp_days,
        0,
    )


def is_insufficient(table: Table) -> bool:
    return (
        table.n < MIN_OBSERVED_DAYS
        or table.exposed < MIN_DAYS_EACH_SIDE
        or table.unexposed < MIN_DAYS_EACH_SIDE
        or table.cramp_days < MIN_CRAMP_DAYS
    )


# Why a table cannot be compared at all, however many more days are logged like these.
ALL_CRAMP_DAYS, NO_CRAMP_DAYS, ALWAYS_EXPOSED, NEVER_EXPOSED = "all_cramp_days", "no_cramp_days", "always", "never"


def not_comparable_reason(table: Table) -> str | None:
    if table.n == 0:
        return None
    if table.cramp_days == table.n:
        return ALL_CRAMP_DAYS
    if table.cramp_days == 0:
        return NO_CRAMP_DAYS
    if table.unexposed == 0:
        return ALWAYS_EXPOSED
    if table.exposed == 0:
        return NEVER_EXPOSED
    return None


def evidence_label(*, table: Table, p: float | None, q: float | None) -> str:
    """strong (q < 0.01), moderate (q < 0.05), weak (p < 0.05 before correction only),
    none — in either direction: the direction is the ratio's, and p and the interval
    come from one variance, so a significant q always has an interval clear of 1."""
    if not_comparable_reason(table):
        return NOT_COMPARABLE
    if is_insufficient(table) or p is None:
        return INSUFFICIENT
    if q is not None and q < 0.01:
        return STRONG
    if q is not None and q < 0.05:
        return MODERATE
    if p < 0.05:
        return WEAK
    return NONE


def lag1_autocorrelation(values: Sequence[float | None]) -> float:
    """The lag-1 autocorrelation of a daily series with gaps (None), floored at 0: the
    mean product of deviations over pairs of consecutive days both present, over the
    variance of all present days (the sample ACF with missing days skipped). Taken over the whole window, so slow
    drift counts as persistence too (conservative: deviations from 4-week means were
    tried and let the null rate rise towards 5%). 0 when undefined."""
    days = [i for i, v in enumerate(values) if v is not None]
    return lag1_autocorrelation_at(days, [values[i] for i in days])


def lag1_autocorrelation_at(days: Sequence[int], values: Sequence[float]) -> float:
    """lag1_autocorrelation of the series whose present days are `days` (increasing
    indexes) with `values`: the same sums in the same order, without walking the gaps
    (the factor analysis calls it some 150 times a report)."""
    n = len(values)
    if n < 3:
        return 0.0
    mean = sum(values) / n
    var = sum([(v - mean) ** 2 for v in values]) / n
    products = [(values[k] - mean) * (values[k + 1] - mean) for k in range(n - 1) if days[k + 1] == days[k] + 1]
    if not var or len(products) < 2:
        return 0.0
    cov = sum(products) / len(products)
    return max(0.0, min(1.0, cov / var))


def persistence_factor(r_x: float, r_y: float) -> float:
    """Bartlett's variance inflation for the association of two persistent series."""
    product = min(max(r_x, 0.0) * max(r_y, 0.0), MAX_PERSISTENCE_PRODUCT)
    return (1 + product) / (1 - product)


@dataclass(frozen=True)
class Estimate:
    ratio: float | None
    low: float | None
    high: float | None
    p: float | None
    # The variance inflation applied (1 with independent days).
    inflation: float = 1.0


UNDEFINED = Estimate(None, None, None, None)


def mantel_haenszel_undefined(strata: Sequence[Table]) -> bool:
    """No stratum with both exposed and unexposed days, or no cramp (or only cramps) in
    those: mantel_haenszel is UNDEFINED whatever the inflation (the analysis then skips
    computing it)."""
    strata = [t for t in strata if t.exposed and t.unexposed]
    return not strata or not any(t.cramp_days for t in strata) or all(t.cramp_days == t.n for t in strata)


def mantel_haenszel(strata: Sequence[Table], *, inflation: float = 1.0, z: float = Z_95) -> Estimate:
    """The Mantel–Haenszel risk ratio over strata with the Greenland–Robins variance of
    its log, multiplied by `inflation`; the 95% CI and the two-sided Wald p come from
    that one variance, so they never disagree. With one stratum and inflation 1 it is
    the Katz interval. When no stratum has a case on one side, 0.5 is added to every
    cell (as Katz). Undefined (None) without both exposed and unexposed days and a cramp."""
    if mantel_haenszel_undefined(strata):
        return UNDEFINED
    strata = [t for t in strata if t.exposed and t.unexposed]

    def sums(tables):
        r = s = v = 0.0
        for t in tables:
            a, b, c, d = t
            n1, n0 = a + b, c + d
            n = n1 + n0
            r += a * n0 / n
            s += c * n1 / n
            v += ((a + c) * n1 * n0 / n - a * c) / n
        return r, s, v

    r, s, v = sums((t.a, t.b, t.c, t.d) for t in strata)
    if r == 0 or s == 0:
        r, s, v = sums((t.a + 0.5, t.b + 0.5, t.c + 0.5, t.d + 0.5) for t in strata)
    variance = v / (r * s) * inflation
    if variance <= 0:
        return UNDEFINED
    log_rr, se = math.log(r / s), math.sqrt(variance)
    p = float(_special.erfc(abs(log_rr) / se / math.sqrt(2)))
    return Estimate(
        finite(math.exp(log_rr)),
        finite(math.exp(log_rr - z * se)),
        finite(math.exp(log_rr + z * se)),
        finite(p),
        inflation,
    )


def poisson_rate_ratio(
    x1: int, t1: float, x0: int, t0: float, *, confidence: float = 0.95
) -> tuple[float | None, float | None, float | None]:
    """Rate ratio (x1/t1)/(x0/t0) of two Poisson counts over exposures t1 and t0 (e.g.
    cramps per logged day after vs before), with the exact interval: conditional on
    x1 + x0, x1 is binomial with p = t1·RR/(t1·RR + t0), so the Clopper–Pearson limits
    of p give the limits of RR. None where undefined (no time, or no events at all;
    the upper limit when x0 = 0)."""
    if t1 <= 0 or t0 <= 0 or x1 + x0 == 0:
        return None, None, None
    n, alpha = x1 + x0, 1 - confidence
    p_low = 0.0 if x1 == 0 else float(_special.betaincinv(x1, n - x1 + 1, alpha / 2))
    p_high = 1.0 if x1 == n else float(_special.betaincinv(x1 + 1, n - x1, 1 - alpha / 2))
    scale = t0 / t1

    def ratio(prop: float) -> float | None:
        return None if prop >= 1 else prop / (1 - prop) * scale

    point = None if x0 == 0 else (x1 / t1) / (x0 / t0)
    return finite(point), finite(ratio(p_low)), finite(ratio(p_high))
