"""Pure statistics over plain values (no database; the tests check every figure against
scipy.stats): 2×2 tables, the risk ratio with
its Katz log confidence interval, Fisher's exact test, Spearman's rho,
Benjamini–Hochberg q-values and the evidence label. Nothing here returns NaN or
infinity: an undefined figure is None."""

import math
from collections.abc import Sequence
from dataclasses import dataclass

Z_95 = 1.959963984540054

MIN_OBSERVED_DAYS = 14
MIN_DAYS_EACH_SIDE = 3
MIN_CRAMP_DAYS = 3

STRONG, MODERATE, WEAK, NONE, INSUFFICIENT = "strong", "moderate", "weak", "none", "insufficient"
EVIDENCE_ORDER = [STRONG, MODERATE, WEAK, NONE, INSUFFICIENT]


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


def evidence_label(*, table: Table, p: float | None, q: float | None, ci_low: float | None) -> str:
    if is_insufficient(table) or p is None:
        return INSUFFICIENT
    above_one = ci_low is not None and ci_low > 1
    if q is not None and q < 0.01 and above_one:
        return STRONG
    if q is not None and q < 0.05 and above_one:
        return MODERATE
    if p < 0.05:
        return WEAK
    return NONE
