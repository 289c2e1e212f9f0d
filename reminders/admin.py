from django.contrib import admin

from reminders.models import Delivery, Notification, Plan, PushSubscription


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = ["user", "enabled", "window_start", "window_end", "interval_minutes", "next_due_at"]
    raw_id_fields = ["user"]
    exclude = ["webhook_secret"]


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["id", "user", "kind", "channel", "slot", "status", "attempts", "sent_at"]
    list_filter = ["status", "kind", "channel"]
    raw_id_fields = ["user"]


admin.site.register(Notification)
admin.site.register(PushSubscription)
