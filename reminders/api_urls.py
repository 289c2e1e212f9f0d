from django.urls import path
from rest_framework.routers import SimpleRouter

from reminders import api

router = SimpleRouter()
router.register("notifications", api.NotificationViewSet, basename="notification")

urlpatterns = [
    path("reminders/plan/", api.PlanView.as_view(), name="api-reminder-plan"),
    path("reminders/deliveries/", api.DeliveryList.as_view(), name="api-reminder-deliveries"),
    path("reminders/test/", api.TestReminderView.as_view(), name="api-reminder-test"),
    path("reminders/webhook-secret/", api.WebhookSecretView.as_view(), name="api-webhook-secret"),
    path("reminders/push/subscription/", api.PushSubscriptionView.as_view(), name="api-push-subscription"),
    *router.urls,
]
