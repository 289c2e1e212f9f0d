"""Report services (issue #5 builds the weekly snapshots here)."""

import datetime as dt
from collections.abc import Iterable


def snapshots_mark_stale(*, user, days: Iterable[dt.date]) -> None:
    """Called after any logbook write: the weekly snapshots holding `days` go stale."""
