"""Self-experiments on simulated diaries: how often each verdict comes out with no
effect and with a true halving of cramps in the "on" blocks, for 7- and 14-day blocks
(3 pairs, 14-day run-in, 3-day washout; Poisson cramps at 4 a week, 90 % of days
logged). Pure computation, no database.

    python -m bench experiment_power      (BENCH_EXPERIMENT_RUNS, default 1000)
"""

import collections
import datetime as dt
import os
import sys

from tests.experiments.diary_sim import random_blocks, simulate
from tracker.experiments import stats
from tracker.experiments.analysis import experiment_analyse

RUNS = int(os.environ.get("BENCH_EXPERIMENT_RUNS", "1000"))
VERDICTS = [stats.BENEFIT, stats.POSSIBLE_BENEFIT, stats.NO_DIFFERENCE, stats.POSSIBLY_WORSE, stats.NO_CRAMPS]


def main() -> int:
    start = dt.date(2026, 1, 5)
    print("| blocks | true effect | " + " | ".join(VERDICTS) + " | interval holds the truth |")
    print("|---|---|" + "---|" * (len(VERDICTS) + 1))
    for block_days in (7, 14):
        for effect in (1.0, 0.5):
            counts: collections.Counter = collections.Counter()
            covered = 0
            for seed in range(RUNS):
                blocks = random_blocks(seed, starts_on=start, block_days=block_days)
                result = experiment_analyse(
                    blocks=blocks,
                    logged=simulate(blocks, seed=seed, per_week=4, effect=effect),
                    adherence={},
                    today=blocks[-1].ends_on + dt.timedelta(days=1),
                    stopped_on=None,
                    label="magnesium",
                    partial_pct=25,
                    full_pct=50,
                )
                counts[result["verdict"]] += 1
                low, high = result["ci_low"] or 0, result["ci_high"] or float("inf")
                covered += low <= effect <= high
            share = " | ".join(f"{100 * counts[v] / RUNS:.1f} %" for v in VERDICTS)
            label = "none" if effect == 1.0 else "halves cramps"
            print(f"| {block_days} days | {label} | {share} | {100 * covered / RUNS:.1f} % |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
