from django.apps import AppConfig

from tracker.logbook.signals import entry_written


class RemindersConfig(AppConfig):
    name = "reminders"

    def ready(self):
        # Imported here, not at the top: models must not load before the app registry.
        from reminders.events import on_entry_written

        entry_written.connect(on_entry_written, dispatch_uid="reminders.entry_written")
