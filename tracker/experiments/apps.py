from django.apps import AppConfig


class ExperimentsConfig(AppConfig):
    name = "tracker.experiments"
    label = "experiments"
    verbose_name = "Self-experiments"

    def ready(self):
        # The running experiment is read in the Today page's one statement (tracker.logbook).
        from tracker.experiments.services import running_read
        from tracker.logbook.selectors import TODAY_READS

        TODAY_READS["experiments"] = running_read
