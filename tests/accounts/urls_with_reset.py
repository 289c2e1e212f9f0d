"""The project's URLs plus Django's password-reset confirm view under the name the
reset email links to, in case the web pages are not there yet."""

from django.contrib.auth import views as auth_views
from django.urls import path

from tracker.urls import urlpatterns as project_urlpatterns

urlpatterns = [
    *project_urlpatterns,
    path(
        "reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(success_url="/"),
        name="password_reset_confirm",
    ),
]
