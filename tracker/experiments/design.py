"""The experiment's design, as pure functions: the interventions a person may test on
themselves, the random order of the on/off blocks drawn from a stored seed, and the
schedule of dated blocks. No database here, so the tests can check every rule alone."""

import datetime as dt
import random
from collections.abc import Sequence
from dataclasses import dataclass

RUN_IN, ON, OFF = "run_in", "on", "off"

DEFAULT_RUN_IN_DAYS = 14
DEFAULT_PAIRS = 3
DEFAULT_WASHOUT_DAYS = 3
BLOCK_DAYS_CHOICES = (7, 14)
# Each block keeps at least this many days after its washout, so a block can be analysed.
MIN_ANALYSED_DAYS = 4
MIN_PAIRS, MAX_PAIRS = 2, 6
MIN_RUN_IN_DAYS, MAX_RUN_IN_DAYS = 7, 28
# The longest possible experiment: bounds the queries for "the running one".
MAX_LENGTH_DAYS = MAX_RUN_IN_DAYS + 2 * MAX_PAIRS * max(BLOCK_DAYS_CHOICES)
# The responder rule is fixed before the start (stored on the experiment).
RESPONDER_PARTIAL_PCT = 25
RESPONDER_FULL_PCT = 50


@dataclass(frozen=True)
class Intervention:
    key: str
    label: str  # "magnesium": fits "Experiment: magnesium" and "on magnesium"
    kind: str  # "supplement" or "habit"
    on_text: str  # the instruction for an "on" block
    off_text: str  # the instruction for an "off" block


# What a person controls. Prescription medicines are not offered: a change there is
# planned with a doctor (the page says so and offers the doctor's summary).
INTERVENTIONS: tuple[Intervention, ...] = (
    Intervention(
        "magnesium", "magnesium", "supplement",
        "Take your magnesium supplement every day of this block.",
        "Take no magnesium supplement during this block.",
    ),
    Intervention(
        "potassium", "potassium", "supplement",
        "Take your potassium supplement every day of this block.",
        "Take no potassium supplement during this block.",
    ),
    Intervention(
        "electrolyte_drink", "an electrolyte drink", "supplement",
        "Have an electrolyte drink every day of this block.",
        "Have no electrolyte drinks during this block.",
    ),
    Intervention(
        "vitamin_b", "vitamin B", "supplement",
        "Take your vitamin B supplement every day of this block.",
        "Take no vitamin B supplement during this block.",
    ),
    Intervention(
        "calf_stretches", "calf stretches before bed", "habit",
        "Stretch your calves for a few minutes before bed every night of this block.",
        "Skip the bedtime calf stretches during this block.",
    ),
    Intervention(
        "water_before_bed", "a glass of water before bed", "habit",
        "Drink a glass of water before bed every night of this block.",
        "No extra glass of water before bed during this block.",
    ),
    Intervention(
        "no_evening_alcohol", "no alcohol in the evening", "habit",
        "No alcohol in the evening during this block.",
        "Drink in the evening as you usually would during this block.",
    ),
    Intervention(
        "comfortable_shoes", "comfortable shoes", "habit",
        "Wear comfortable, flat shoes every day of this block.",
        "Wear whatever shoes you usually would during this block.",
    ),
)  # fmt: skip
CUSTOM = "custom"
INTERVENTION_BY_KEY = {i.key: i for i in INTERVENTIONS}
INTERVENTION_CHOICES = [(i.key, i.label[0].upper() + i.label[1:]) for i in INTERVENTIONS] + [
    (CUSTOM, "Something else (name it)")
]


def intervention_for(key: str, label: str = "") -> Intervention:
    """The intervention with the user's own label, if any (required for "custom")."""
    known = INTERVENTION_BY_KEY.get(key)
    if known is None:
        return Intervention(
            CUSTOM,
            label,
            "habit",
            f"Do this every day of this block: {label}.",
            f"Do not do this during this block: {label}.",
        )
    if label:
        return Intervention(known.key, label, known.kind, known.on_text, known.off_text)
    return known


@dataclass(frozen=True)
class Block:
    index: int
    pair: int | None  # 0-based; None for the run-in
    arm: str
    starts_on: dt.date
    ends_on: dt.date
    washout_days: int

    @property
    def days(self) -> int:
        return (self.ends_on - self.starts_on).days + 1

    @property
    def analysed_from(self) -> dt.date:
        """The first day that counts: after the washout, when the last block's effect has
        worn off and this one's has set in."""
        return self.starts_on + dt.timedelta(days=self.washout_days)

    def day_number(self, day: dt.date) -> int:
        return (day - self.starts_on).days + 1

    def contains(self, day: dt.date) -> bool:
        return self.starts_on <= day <= self.ends_on

    def as_json(self) -> dict:
        return {
            "index": self.index,
            "pair": None if self.pair is None else self.pair + 1,
            "arm": self.arm,
            "starts_on": self.starts_on.isoformat(),
            "ends_on": self.ends_on.isoformat(),
            "analysed_from": self.analysed_from.isoformat(),
        }


def draw_order(seed: int, pairs: int) -> list[bool]:
    """For each pair, whether the "on" block comes first: a fair coin per pair from a
    generator seeded with `seed`, so the stored seed reproduces the stored order.
    (random.Random seeds an int the same way on every platform and Python 3 version.)"""
    rng = random.Random(seed)
    return [rng.getrandbits(1) == 1 for _ in range(pairs)]


def new_seed() -> int:
    # 62 bits: fits a signed 64-bit column, drawn from the OS's secure source so nobody,
    # the user included, can steer the order.
    return random.SystemRandom().getrandbits(62)


def schedule(
    *,
    starts_on: dt.date,
    run_in_days: int,
    block_days: int,
    on_first: Sequence[bool],
    washout_days: int,
) -> list[Block]:
    blocks = [Block(0, None, RUN_IN, starts_on, starts_on + dt.timedelta(days=run_in_days - 1), 0)]
    start = starts_on + dt.timedelta(days=run_in_days)
    for pair, first_on in enumerate(on_first):
        for arm in (ON, OFF) if first_on else (OFF, ON):
            end = start + dt.timedelta(days=block_days - 1)
            blocks.append(Block(len(blocks), pair, arm, start, end, washout_days))
            start = end + dt.timedelta(days=1)
    return blocks


def block_on(blocks: Sequence[Block], day: dt.date) -> Block | None:
    return next((b for b in blocks if b.contains(day)), None)
