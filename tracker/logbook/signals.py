"""What the logbook announces to the apps above it. The logbook imports neither
reminders nor reports: they subscribe in their AppConfig.ready()."""

from django.dispatch import Signal

# Sent once per logbook write (log, update, delete, check-in, diary-day recompute),
# inside the write's transaction, so a receiver's own rows commit or roll back with
# the entry; a receiver that talks to the outside world does so with on_commit.
# Arguments: user; days (the diary days touched, without None); entry (the row
# written, or None for a delete or a recompute); created (a new row).
entry_written = Signal()
