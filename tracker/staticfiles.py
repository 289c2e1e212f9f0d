from django.contrib.staticfiles.apps import StaticFilesConfig as DjangoStaticFilesConfig


class StaticFilesConfig(DjangoStaticFilesConfig):
    """collectstatic leaves out what production never serves: DRF's browsable-API assets
    (that renderer is on only with DEBUG), django-htmx's copy of htmx (ours is vendored)
    and ReDoc (the docs page is Swagger UI). Development serves from the finders, which
    do not apply these patterns."""

    ignore_patterns = [*DjangoStaticFilesConfig.ignore_patterns, "rest_framework", "django_htmx", "redoc"]
