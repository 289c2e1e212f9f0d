from django.apps import AppConfig

from tracker.logbook.signals import entry_logged, entry_written


class ReportsConfig(AppConfig):
    name = "tracker.reports"
    label = "reports"

    def ready(self):
        # Imported here, not at the top: models must not load before the app registry.
        from tracker.reports.receivers import on_entry_logged, on_entry_written

        entry_written.connect(on_entry_written, dispatch_uid="reports.entry_written")
        entry_logged.connect(on_entry_logged, dispatch_uid="reports.entry_logged")
