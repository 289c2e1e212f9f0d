from django.contrib import admin

from tracker.reports.models import ReportSchedule, WeeklySnapshot


@admin.register(WeeklySnapshot)
class WeeklySnapshotAdmin(admin.ModelAdmin):
    list_display = ["user", "week_start", "stale", "generated_at", "emailed_at"]
    list_filter = ["stale"]
    raw_id_fields = ["user"]
    readonly_fields = ["user", "week_start", "data", "version", "generated_at", "emailed_at"]
    search_fields = ["user__email"]


@admin.register(ReportSchedule)
class ReportScheduleAdmin(admin.ModelAdmin):
    """Read-only: the sweep owns these rows (an edit could send a report twice or never)."""

    list_display = ["user", "next_report_at", "owed_week", "attempts", "last_sent_week"]
    search_fields = ["user__email"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
