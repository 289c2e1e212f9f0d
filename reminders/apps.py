from django.apps import AppConfig

from tracker.logbook.signals import entry_logged


class RemindersConfig(AppConfig):
    name = "reminders"

    def ready(self):
        # Imported here, not at the top: models must not load before the app registry.
        from reminders.events import on_entry_logged

        entry_logged.connect(on_entry_logged, dispatch_uid="reminders.entry_logged")
