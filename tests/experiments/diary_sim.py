"""Simulated diaries for experiments: Poisson cramps per diary day at a base rate,
multiplied by `effect` on the days of "on" blocks, with days left unlogged at random."""

import datetime as dt
import random

import numpy as np

from tracker.experiments import design
from tracker.experiments.analysis import LoggedDay


def simulate(
    blocks: list[design.Block],
    *,
    seed: int,
    per_week: float = 3.0,
    effect: float = 1.0,
    logged_share: float = 0.9,
    night_share: float = 0.7,
) -> dict[dt.date, LoggedDay]:
    rng = np.random.default_rng(seed)
    days: dict[dt.date, LoggedDay] = {}
    for block in blocks:
        rate = per_week / 7 * (effect if block.arm == design.ON else 1.0)
        day = block.starts_on
        while day <= block.ends_on:
            if rng.random() < logged_share:
                n = int(rng.poisson(rate))
                night = n > 0 and bool((rng.random(n) < night_share).any())
                days[day] = LoggedDay(n, night, int(rng.integers(3, 8, n).sum()) if n else 0)
            day += dt.timedelta(days=1)
    return days


def random_blocks(seed: int, *, starts_on: dt.date, block_days: int, pairs: int = 3) -> list[design.Block]:
    return design.schedule(
        starts_on=starts_on,
        run_in_days=14,
        block_days=block_days,
        on_first=design.draw_order(random.Random(seed).getrandbits(62), pairs),
        washout_days=3,
    )
