from django.contrib import admin

from tracker.admin import ReadOnlyAdmin
from tracker.logbook.models import Activity, CheckIn, Dose, Episode, Intake

# Diary rows are written through the services, which compute the diary day and the
# derived values and stale the weekly reports; an admin save did none of that (and
# adding a row was a 500).


class DiaryRowAdmin(ReadOnlyAdmin):
    list_select_related = ["user"]
    raw_id_fields = ["user"]
    list_filter = ["day"]
    readonly_fields = ["day"]
    date_hierarchy = "day"


@admin.register(Episode)
class EpisodeAdmin(DiaryRowAdmin):
    list_display = ["started_at", "day", "user", "muscle", "severity", "duration_seconds"]


@admin.register(Intake)
class IntakeAdmin(DiaryRowAdmin):
    list_display = ["taken_at", "day", "user", "beverage", "volume_ml", "effective_ml"]
    readonly_fields = ["day", "effective_ml", "alcohol_units"]


@admin.register(Activity)
class ActivityAdmin(DiaryRowAdmin):
    list_display = ["started_at", "day", "user", "kind", "intensity", "duration_minutes"]


@admin.register(Dose)
class DoseAdmin(DiaryRowAdmin):
    list_display = ["taken_at", "day", "user", "medication"]
    list_select_related = ["user", "medication"]
    raw_id_fields = ["user", "medication"]


@admin.register(CheckIn)
class CheckInAdmin(ReadOnlyAdmin):
    list_display = ["day", "user", "no_cramps", "sitting_hours", "sleep_hours"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]
    date_hierarchy = "day"
