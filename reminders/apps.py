from django.apps import AppConfig

from tracker.logbook.signals import entry_logged


class RemindersConfig(AppConfig):
    name = "reminders"

    def ready(self):
        # Imported here, not at the top: models must not load before the app registry.
        from reminders.context_processors import unread_read
        from reminders.events import on_entry_logged
        from tracker.logbook.selectors import TODAY_READS

        entry_logged.connect(on_entry_logged, dispatch_uid="reminders.entry_logged")
        # The nav's unread count is read in the Today page's one statement.
        TODAY_READS["unread"] = unread_read
