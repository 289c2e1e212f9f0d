from django.contrib import admin

from tracker.reports.models import WeeklySnapshot


@admin.register(WeeklySnapshot)
class WeeklySnapshotAdmin(admin.ModelAdmin):
    list_display = ["user", "week_start", "stale", "generated_at", "emailed_at"]
    list_filter = ["stale"]
    raw_id_fields = ["user"]
    readonly_fields = ["user", "week_start", "data", "version", "generated_at", "emailed_at"]
    search_fields = ["user__email"]
