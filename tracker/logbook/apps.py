from django.apps import AppConfig


class LogbookConfig(AppConfig):
    name = "tracker.logbook"
    label = "logbook"
