"""What reports do when the logbook announces a write (connected in ReportsConfig)."""

from tracker.reports import services


def on_entry_written(sender, *, user, days, **_kwargs) -> None:
    # Inside the write's transaction: the snapshots go stale with the entry, or not at all.
    services.snapshots_mark_stale(user=user, days=days)


def on_entry_logged(sender, *, user, days, statements, **_kwargs):
    # A new entry: the stale mark runs inside the entry's INSERT statement, atomic with it.
    if statements is None:
        return lambda: services.snapshots_mark_stale(user=user, days=days)
    statement = services.snapshots_stale_statement(user_id=user.pk, days=days)
    if statement is not None:
        statements.append(statement)
    return None
