from django.apps import AppConfig


class BareConfig(AppConfig):
    # Bench-only: the bare endpoint the logging endpoints are compared with.
    name = "bench._bare"
    label = "bench_bare"
    default_auto_field = "django.db.models.BigAutoField"
