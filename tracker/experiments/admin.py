from django.contrib import admin

from tracker.admin import ReadOnlyAdmin
from tracker.experiments.models import Adherence, Experiment


@admin.register(Experiment)
class ExperimentAdmin(ReadOnlyAdmin):
    list_display = ["user", "intervention", "label", "starts_on", "block_days", "pairs", "stopped_on"]
    raw_id_fields = ["user"]
    search_fields = ["user__email"]


@admin.register(Adherence)
class AdherenceAdmin(ReadOnlyAdmin):
    list_display = ["user", "experiment", "day", "followed"]
    raw_id_fields = ["user", "experiment"]
