"""What the logbook announces to the apps above it. The logbook imports neither
reminders nor reports: they subscribe in their AppConfig.ready()."""

from django.dispatch import Signal

# Sent once per logbook write (update, delete, restore, check-in, diary-day recompute;
# a new entry sends entry_logged below),
# inside the write's transaction, so a receiver's own rows commit or roll back with
# the entry; a receiver that talks to the outside world does so with on_commit.
# Arguments: user; days (the diary days touched, without None); entry (the row
# written, or None for a delete or a recompute); created (a new row).
entry_written = Signal()

# Sent for each new entry logged (episode_log, intake_log, activity_log, dose_log) in
# place of entry_written, before its INSERT, so that a drink costs one statement, as in a
# bare endpoint (issue 14). Arguments: user; days; entry (not saved yet: no id); and
# statements, a list. A receiver whose reaction is data-modifying SQL appends it as
# (sql, params): it runs inside the INSERT's own statement (as CTEs), so it commits with
# the entry with no transaction to open; a statement may read what an earlier one
# RETURNING gave as `statement_name(index)`. A statement given as (sql, params, then)
# hands what it returned (a list of dicts, one per row) to `then` after the INSERT, inside
# any transaction the caller holds (so outside calls go through on_commit). A receiver
# that needs more returns a callable, run after the INSERT in a transaction opened for it;
# it may read entry.pk then. `statements` is None where the database cannot do this
# (SQLite): answer with a callable.
entry_logged = Signal()


def statement_name(index: int) -> str:
    """The name under which the statement at `index` of entry_logged's list is read."""
    return f"logged_with_{index}"
