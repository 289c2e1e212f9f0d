from django.apps import AppConfig


class PwaConfig(AppConfig):
    name = "tracker.pwa"
    label = "pwa"
