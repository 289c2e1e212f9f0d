"""The n-of-1 analysis, as pure functions over plain values (the tests check them
against scipy and against hand enumeration): per-block outcomes, per-pair differences,
the exact randomisation test over the block orders that were possible, the on/off rate
ratio with an exact Poisson interval, the responder rule and the verdict in words.

Nothing returns NaN or infinity: an undefined figure is None."""

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

# One exact rate-ratio interval for the whole product (conditional binomial, Clopper–Pearson).
from tracker.reports.stats import poisson_rate_ratio  # noqa: F401

# A block enters a pair's comparison with at least this many logged days after its washout.
MIN_LOGGED_DAYS_PER_BLOCK = 3
# Adherence under this share of answered days weakens the comparison; the verdict says so.
ADHERENCE_WARNING = 0.8
TIE = 1e-9

BENEFIT = "benefit"
POSSIBLE_BENEFIT = "possible_benefit"
NO_DIFFERENCE = "no_difference"
POSSIBLY_WORSE = "possibly_worse"
NO_CRAMPS = "no_cramps"
INSUFFICIENT = "insufficient"


def _finite(value: float | None, digits: int | None = None) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return round(value, digits) if digits is not None else float(value)


def per_week(count: int, logged_days: int) -> float | None:
    """Events per 7 logged days (unknown days are not zero days)."""
    return 7 * count / logged_days if logged_days else None


@dataclass(frozen=True)
class ArmCounts:
    logged_days: int = 0
    cramps: int = 0
    cramp_nights: int = 0  # logged days with a cramp at night
    severity_sum: int = 0

    def __add__(self, other: "ArmCounts") -> "ArmCounts":
        return ArmCounts(
            self.logged_days + other.logged_days,
            self.cramps + other.cramps,
            self.cramp_nights + other.cramp_nights,
            self.severity_sum + other.severity_sum,
        )

    @property
    def rate(self) -> float | None:
        return per_week(self.cramps, self.logged_days)

    @property
    def nights_rate(self) -> float | None:
        return per_week(self.cramp_nights, self.logged_days)

    @property
    def mean_severity(self) -> float | None:
        return self.severity_sum / self.cramps if self.cramps else None

    def as_json(self) -> dict:
        return {
            "logged_days": self.logged_days,
            "cramps": self.cramps,
            "cramps_per_week": _finite(self.rate, 2),
            "nights_with_cramps": self.cramp_nights,
            "nights_with_cramps_per_week": _finite(self.nights_rate, 2),
            "mean_severity": _finite(self.mean_severity, 1),
        }


def randomisation_p(pairs: Sequence[tuple[float, float]]) -> tuple[float | None, int]:
    """Exact one-sided randomisation test for fewer cramps in the "on" blocks.

    `pairs` holds (rate in the pair's on block, rate in its off block). Each pair's
    order was a coin toss, so with no effect every one of the 2^k ways the arms could
    have fallen was as likely as the one drawn. The statistic is the mean on − off
    difference; p is the share of the possible orders giving a difference at least as
    favourable to "on" as the one seen (the drawn order included). With k pairs p is
    never below 1/2^k: 0.125 for 3 pairs. Returns (p, number of orders)."""
    k = len(pairs)
    if k == 0:
        return None, 0
    observed = sum(on - off for on, off in pairs) / k
    at_least_as_low = 0
    orders = 0
    for swapped in itertools.product((False, True), repeat=k):
        # Swapping a pair's arms relabels its blocks: its on block becomes the off one.
        stat = sum((off - on) if s else (on - off) for (on, off), s in zip(pairs, swapped, strict=True)) / k
        orders += 1
        at_least_as_low += stat <= observed + TIE
    return at_least_as_low / orders, orders


def smallest_p(pairs: int) -> float:
    return 1 / 2**pairs if pairs else 1.0


def responder(reduction: float | None, partial_pct: int, full_pct: int) -> str:
    """The rule fixed before the start: "full" at ≥ full_pct fewer cramps on than off,
    "partial" at ≥ partial_pct, else "none"; None while there is nothing to compare."""
    if reduction is None:
        return "unknown"
    if reduction >= full_pct / 100 - TIE:
        return "full"
    if reduction >= partial_pct / 100 - TIE:
        return "partial"
    return "none"


@dataclass(frozen=True)
class Verdict:
    key: str
    text: str


def _weekly(rate: float | None) -> str:
    if rate is None:
        return "–"
    return f"{rate:.1f}"


def verdict(
    *,
    label: str,
    planned_pairs: int,
    pair_diffs: Sequence[float],
    on: ArmCounts,
    off: ArmCounts,
    rr_high: float | None,
    partial_pct: int,
    adherence: float | None,
    why_short: str = "",
) -> Verdict:
    """The result in plain words. "benefit" needs everything a person could ask of
    their own trial: every planned pair analysed, fewer cramps on in each of them, at
    least the partial responder's reduction, and an exact Poisson interval wholly below
    1. Short of that, a lower rate on is only a "possible" benefit, and the words say
    what is missing."""
    k = len(pair_diffs)
    if k == 0:
        text = why_short or "no on/off pair has enough logged days yet"
        return Verdict(INSUFFICIENT, f"Too early to tell: {text}.")
    on_rate, off_rate = on.rate, off.rate
    figures = f"on {label} you had {_weekly(on_rate)} cramps a week vs {_weekly(off_rate)} off"
    pairs_word = f"{k} pair" + ("s" if k != 1 else "")
    if on.cramps == 0 and off.cramps == 0:
        return Verdict(NO_CRAMPS, f"No cramps logged in either arm over {pairs_word}: nothing to compare.")
    threshold = partial_pct / 100
    reduction = None if not off_rate else 1 - on_rate / off_rate
    caveats = []
    if adherence is not None and adherence < ADHERENCE_WARNING:
        caveats.append(f"you followed the plan on {round(100 * adherence)}% of the days you answered")
    caveat = ("; " + "; ".join(caveats)) if caveats else ""
    favour_on = sum(d < -TIE for d in pair_diffs)
    if reduction is not None and reduction >= threshold - TIE:
        if k == planned_pairs and favour_on == k and rr_high is not None and rr_high < 1:
            text = f"Consistent benefit in all {k} pairs: {figures} ({round(100 * reduction)}% fewer){caveat}."
            return Verdict(BENEFIT, text[0].upper() + text[1:])
        if k < planned_pairs:
            why = why_short or f"only {pairs_word} of {planned_pairs} so far"
            missing = f"too few pairs to be sure ({why})"
        elif favour_on < k:
            missing = f"fewer cramps on in {favour_on} of {k} pairs only, so it could be chance"
        else:
            missing = "it could be chance (the interval reaches no difference)"
        text = f"{figures}; {missing}{caveat}."
        return Verdict(POSSIBLE_BENEFIT, text[0].upper() + text[1:])
    if off_rate == 0 or (on_rate is not None and off_rate is not None and on_rate >= off_rate * (1 + threshold)):
        text = f"More cramps on than off: {figures}{caveat}. If that holds, {label} does not help you."
        return Verdict(POSSIBLY_WORSE, text)
    text = f"No clear difference: {figures}{caveat}."
    return Verdict(NO_DIFFERENCE, text)
