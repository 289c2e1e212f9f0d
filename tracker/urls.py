from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from tracker.api import not_found
from tracker.health import healthz

api_v1 = [
    path("", include("accounts.api_urls")),
    path("", include("tracker.logbook.api_urls")),
    path("", include("reminders.api_urls")),
    path("", include("tracker.reports.api_urls")),
    path("", include("tracker.experiments.api_urls")),
]

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI from local static files, with no inline script.
    # metadata_class=None: OPTIONS answers 405; DRF's metadata through its HTML renderer was a 500.
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api-schema", metadata_class=None),
        name="api-docs",
    ),
    path("api/v1/", include(api_v1)),
    # Unknown API paths answer JSON like the rest of the API.
    re_path(r"^api/", not_found),
    path("", include("accounts.urls")),
    path("", include("tracker.logbook.urls")),
    path("", include("reminders.urls")),
    path("", include("tracker.reports.urls")),
    path("", include("tracker.experiments.urls")),
    path("", include("tracker.pwa.urls")),
]
handler404 = "tracker.middleware.page_not_found"
handler500 = "tracker.middleware.server_error"
