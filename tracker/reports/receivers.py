"""What reports do when the logbook announces a write (connected in ReportsConfig)."""

from tracker.reports import services


def on_entry_written(sender, *, user, days, **_kwargs) -> None:
    # Inside the write's transaction: the snapshots go stale with the entry, or not at all.
    services.snapshots_mark_stale(user=user, days=days)
