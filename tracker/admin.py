"""Admin pieces shared by the apps."""

from django.contrib import admin


class ReadOnlyAdmin(admin.ModelAdmin):
    """Staff may look (for support), never add, edit or delete: these rows are written by
    the services, which keep what is derived from them right (diary days, effective
    fluid, stale reports, the report schedule), and by the user's own pages."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
