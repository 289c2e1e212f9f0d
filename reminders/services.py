"""Reminder services (issue #4 builds the pipeline here)."""


def event_reminders_for_entry(*, entry) -> None:
    """Called after a new logbook entry; the reminders pipeline decides whether the
    entry calls for an event reminder (electrolyte cue, cramp tips)."""
