from django.urls import path

from reminders import views

urlpatterns = [
    path("reminders/", views.plan_settings, name="reminders-settings"),
    path("reminders/test/", views.test_send, name="reminders-test-send"),
    path("reminders/webhook-secret/", views.webhook_secret_rotate, name="reminders-webhook-secret"),
    path("reminders/snooze/", views.snooze, name="reminders-snooze"),
    path("reminders/unsubscribe/<str:token>/", views.unsubscribe, name="reminders-unsubscribe"),
    path("notifications/", views.notification_list, name="notifications"),
    path("r/<str:action>/<str:token>/", views.action, name="reminders-action"),
]
