from django.contrib import admin

from tracker.experiments.models import Adherence, Experiment


class ReadOnlyAdmin(admin.ModelAdmin):
    # Health data: staff may look (for support), never edit; the user's own pages change it.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Experiment)
class ExperimentAdmin(ReadOnlyAdmin):
    list_display = ["user", "intervention", "label", "starts_on", "block_days", "pairs", "stopped_on"]
    raw_id_fields = ["user"]
    search_fields = ["user__email"]


@admin.register(Adherence)
class AdherenceAdmin(ReadOnlyAdmin):
    list_display = ["user", "experiment", "day", "followed"]
    raw_id_fields = ["user", "experiment"]
