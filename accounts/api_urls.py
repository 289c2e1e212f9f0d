from django.urls import path
from rest_framework.routers import SimpleRouter

from accounts import api

router = SimpleRouter()
router.register("medications", api.MedicationViewSet, basename="medication")
router.register("tokens", api.TokenViewSet, basename="token")

urlpatterns = [
    path("auth/register/", api.RegisterView.as_view(), name="api-register"),
    path("auth/token/", api.TokenObtainView.as_view(), name="api-token"),
    path("auth/password-reset/", api.PasswordResetView.as_view(), name="api-password-reset"),
    path("me/", api.MeView.as_view(), name="api-me"),
    path("me/password/", api.PasswordChangeView.as_view(), name="api-password-change"),
    path("export/", api.ExportView.as_view(), name="api-export"),
    path("export/csv/", api.ExportCsvView.as_view(), name="api-export-csv"),
    *router.urls,
]
