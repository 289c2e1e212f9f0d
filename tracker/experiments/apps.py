from django.apps import AppConfig


class ExperimentsConfig(AppConfig):
    name = "tracker.experiments"
    label = "experiments"
    verbose_name = "Self-experiments"
