"""An experiment's result from plain values: the schedule's blocks, the logged diary
days and the adherence answers. Pure, like stats.py; selectors.py fetches the rows."""

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from tracker.experiments import stats
from tracker.experiments.design import OFF, ON, RUN_IN, Block

SCHEDULED, RUNNING, FINISHED, STOPPED = "scheduled", "running", "finished", "stopped"
STATUSES = [SCHEDULED, RUNNING, FINISHED, STOPPED]


@dataclass(frozen=True)
class LoggedDay:
    """A diary day with a check-in or a logged cramp (a day with neither is unknown,
    not cramp-free)."""

    cramps: int = 0
    night: bool = False
    severity_sum: int = 0


def _date(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


def _counts(block: Block, logged: Mapping[dt.date, LoggedDay], last_day: dt.date) -> stats.ArmCounts:
    counts = stats.ArmCounts()
    day = block.analysed_from if block.arm != RUN_IN else block.starts_on
    while day <= min(block.ends_on, last_day):
        if (row := logged.get(day)) is not None:
            counts = counts + stats.ArmCounts(1, row.cramps, int(row.night), row.severity_sum)
        day += dt.timedelta(days=1)
    return counts


def status_of(blocks: Sequence[Block], *, today: dt.date, stopped_on: dt.date | None) -> str:
    if stopped_on is not None:
        return STOPPED
    if today < blocks[0].starts_on:
        return SCHEDULED
    if today > blocks[-1].ends_on:
        return FINISHED
    return RUNNING


def experiment_analyse(
    *,
    blocks: Sequence[Block],
    logged: Mapping[dt.date, LoggedDay],
    adherence: Mapping[dt.date, bool],
    today: dt.date,
    stopped_on: dt.date | None,
    label: str,
    partial_pct: int,
    full_pct: int,
) -> dict:
    status = status_of(blocks, today=today, stopped_on=stopped_on)
    end = blocks[-1].ends_on
    last_day = min(today, end, stopped_on or end)
    pairs_planned = max(b.pair for b in blocks if b.pair is not None) + 1

    def done(block: Block) -> bool:
        # Over, or cut short by a stop after it had begun.
        return block.ends_on < today or (stopped_on is not None and block.starts_on <= stopped_on)

    block_rows, by_pair = [], {}
    for block in blocks:
        counts = _counts(block, logged, last_day)
        started = block.starts_on <= last_day
        block_rows.append({**block.as_json(), **counts.as_json(), "started": started, "done": started and done(block)})
        if block.pair is not None:
            by_pair.setdefault(block.pair, {})[block.arm] = (block, counts)

    pair_rows, analysed_pairs, short_pairs = [], [], []
    on_total, off_total = stats.ArmCounts(), stats.ArmCounts()
    for pair in sorted(by_pair):
        (on_block, on), (off_block, off) = by_pair[pair][ON], by_pair[pair][OFF]
        complete = done(on_block) and done(off_block)
        enough = min(on.logged_days, off.logged_days) >= stats.MIN_LOGGED_DAYS_PER_BLOCK
        analysed = complete and enough
        if complete and not enough:
            short_pairs.append(pair + 1)
        diff = on.rate - off.rate if analysed else None
        pair_rows.append(
            {
                "pair": pair + 1,
                "analysed": analysed,
                "on_cramps_per_week": stats._finite(on.rate, 2),
                "off_cramps_per_week": stats._finite(off.rate, 2),
                "difference": stats._finite(diff, 2),
            }
        )
        if analysed:
            analysed_pairs.append((on.rate, off.rate))
            on_total, off_total = on_total + on, off_total + off

    k = len(analysed_pairs)
    rr, ci_low, ci_high = stats.poisson_rate_ratio(
        on_total.cramps, on_total.logged_days, off_total.cramps, off_total.logged_days
    )
    reduction = None if not off_total.rate or on_total.rate is None else 1 - on_total.rate / off_total.rate
    p_value, orders = stats.randomisation_p(analysed_pairs)

    answered = [
        followed
        for block in blocks
        if block.arm != RUN_IN
        for day, followed in adherence.items()
        if block.starts_on <= day <= min(block.ends_on, last_day)
    ]
    adherence_share = sum(answered) / len(answered) if answered else None

    why = _why_short(
        status=status,
        k=k,
        planned=pairs_planned,
        blocks=blocks,
        stopped_on=stopped_on,
        short_pairs=short_pairs,
    )
    verdict = stats.verdict(
        label=label,
        planned_pairs=pairs_planned,
        pair_diffs=[on - off for on, off in analysed_pairs],
        on=on_total,
        off=off_total,
        rr_high=ci_high,
        partial_pct=partial_pct,
        adherence=adherence_share,
        why_short=why,
    )
    return {
        "status": status,
        "as_of": last_day.isoformat(),
        "pairs_planned": pairs_planned,
        "pairs_analysed": k,
        "why_incomplete": why or None,
        "run_in": _counts(blocks[0], logged, last_day).as_json(),
        "on": on_total.as_json(),
        "off": off_total.as_json(),
        "pairs": pair_rows,
        "blocks": block_rows,
        "rate_ratio": stats._finite(rr, 2),
        "ci_low": stats._finite(ci_low, 2),
        "ci_high": stats._finite(ci_high, 2),
        "reduction_pct": stats._finite(None if reduction is None else 100 * reduction, 0),
        "randomisation": {
            "p_value": stats._finite(p_value, 4),
            "orders": orders,
            # The floor for the pairs analysed so far, and for the full experiment.
            "smallest_possible_p": stats.smallest_p(k or pairs_planned),
            "smallest_possible_p_all_pairs": stats.smallest_p(pairs_planned),
        },
        "responder": {
            "partial_pct": partial_pct,
            "full_pct": full_pct,
            "result": stats.responder(reduction, partial_pct, full_pct) if k else "unknown",
        },
        "adherence": {
            "answered_days": len(answered),
            "followed_days": sum(answered),
            "share": stats._finite(adherence_share, 2),
        },
        "verdict": verdict.key,
        "summary": verdict.text,
    }


def _why_short(*, status, k, planned, blocks, stopped_on, short_pairs) -> str:
    parts = []
    if status == STOPPED and k < planned:
        parts.append(f"you stopped on {_date(stopped_on)} with {k} of {planned} pairs complete")
    elif status == SCHEDULED:
        parts.append(f"the experiment starts on {_date(blocks[0].starts_on)}")
    elif status == RUNNING and k < planned:
        first_pair_end = max(b.ends_on for b in blocks if b.pair == 0)
        if k == 0 and not short_pairs:
            parts.append(f"the first on/off pair ends on {_date(first_pair_end)}")
        else:
            parts.append(f"the experiment runs until {_date(blocks[-1].ends_on)}; {k} of {planned} pairs so far")
    if short_pairs:
        names = ", ".join(str(p) for p in short_pairs)
        parts.append(
            f"pair {names} had under {stats.MIN_LOGGED_DAYS_PER_BLOCK} logged days in a block after its washout "
            "(check in every day, cramps or not)"
        )
    return "; ".join(parts)
