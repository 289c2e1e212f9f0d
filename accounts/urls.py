from django.contrib.auth import views as auth_views
from django.urls import path

from accounts import views

urlpatterns = [
    path("signup/", views.signup, name="signup"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("verify/<str:token>/", views.verify_email, name="verify-email"),
    path("verify-again/", views.verification_resend, name="verify-resend"),
    path("password-reset/", views.password_reset, name="password_reset"),
    path("password-reset/sent/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "password-reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("password-reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("settings/", views.settings_view, name="settings"),
    path("settings/timezone/", views.timezone_update, name="timezone-update"),
    path("settings/medications/", views.medications, name="medications"),
    path("settings/medications/<int:pk>/", views.medication_edit, name="medication-edit"),
    path("settings/medications/<int:pk>/stop/", views.medication_stop, name="medication-stop"),
    path("settings/tokens/", views.tokens, name="tokens"),
    path("settings/tokens/<int:pk>/revoke/", views.token_revoke, name="token-revoke"),
    path("settings/export/", views.export, name="export"),
    path("settings/export/data.json", views.export_json, name="export-json"),
    path("settings/export/data.zip", views.export_csv, name="export-csv"),
    path("settings/delete/", views.account_delete, name="account-delete"),
]
