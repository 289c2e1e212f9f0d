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
# statements, a list. A receiver whose whole reaction is one data-modifying SQL
# statement appends it as (sql, params): it runs inside the INSERT's own statement (a
# CTE on PostgreSQL), so it commits with the entry with no transaction to open. A
# receiver that needs more returns a callable, run after the INSERT in the same
# transaction (reminders' event reminder after a cramp); it may read entry.pk then.
entry_logged = Signal()
