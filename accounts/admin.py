from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from accounts.models import ApiToken, Medication, User
from accounts.services import profile_update
from tracker.admin import ReadOnlyAdmin

PROFILE_FIELDS = ["timezone", "day_starts_at", "units", "week_starts_on", "body_weight_kg", "daily_goal_ml"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "timezone", "email_verified_at", "date_joined", "is_staff"]
    search_fields = ["email"]
    list_filter = ["is_staff", "is_active"]
    fieldsets = [
        (None, {"fields": ["email", "password", "email_verified_at"]}),
        (
            "Profile",
            {"fields": ["timezone", "day_starts_at", "units", "week_starts_on", "body_weight_kg", "daily_goal_ml"]},
        ),
        ("Permissions", {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]

    def save_model(self, request, obj, form, change):
        """Profile fields go through the profile service, as from the settings page: a
        new timezone or day start re-files the diary days, a new goal stales the reports."""
        profile = {name: form.cleaned_data[name] for name in PROFILE_FIELDS if change and name in form.changed_data}
        if profile:
            stored = User.objects.get(pk=obj.pk)
            for name in profile:
                setattr(obj, name, getattr(stored, name))
        super().save_model(request, obj, form, change)
        if profile:
            profile_update(user=obj, **profile)


@admin.register(Medication)
class MedicationAdmin(ReadOnlyAdmin):
    # Read-only like the diary rows: medication changes go through the services.
    list_display = ["name", "drug_class", "user", "started_on", "stopped_on"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    # The digest is never shown; a token can only be revoked here.
    list_display = ["name", "prefix", "user", "created_at", "last_used_at", "revoked_at"]
    list_select_related = ["user"]
    fields = ["user", "name", "prefix", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["user", "prefix", "created_at", "last_used_at"]
