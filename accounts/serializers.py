from rest_framework import serializers

from accounts.models import ApiToken, Condition, Medication, User, validate_timezone
from tracker.api import HourMinuteField, StrictModelSerializer, StrictSerializer, choice_list


class TimezoneField(serializers.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("help_text", "An IANA timezone name, e.g. Europe/London.")
        super().__init__(validators=[validate_timezone], **kwargs)


class RegisterSerializer(StrictSerializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(max_length=128, write_only=True, style={"input_type": "password"})
    timezone = TimezoneField(required=False, default="UTC")


class RegisteredSerializer(serializers.Serializer):
    email = serializers.EmailField(read_only=True)
    detail = serializers.CharField(read_only=True)


EXPIRES_HELP = "Days the token is valid (1–365); leave out for a token valid until revoked."


class TokenObtainSerializer(StrictSerializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(max_length=128, write_only=True, style={"input_type": "password"})
    name = serializers.CharField(max_length=80, required=False, allow_blank=True)
    expires_in_days = serializers.IntegerField(min_value=1, max_value=365, required=False, help_text=EXPIRES_HELP)


class NewTokenSerializer(serializers.Serializer):
    token = serializers.CharField(read_only=True, help_text="Shown once; only a digest is stored.")
    name = serializers.CharField(read_only=True)
    expires_at = serializers.DateTimeField(read_only=True, allow_null=True)


class ApiTokenSerializer(StrictModelSerializer):
    expires_in_days = serializers.IntegerField(
        min_value=1, max_value=365, required=False, write_only=True, help_text=EXPIRES_HELP
    )

    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "created_at", "last_used_at", "expires_at", "expires_in_days"]
        read_only_fields = ["id", "prefix", "created_at", "last_used_at", "expires_at"]
        extra_kwargs = {"name": {"required": False, "allow_blank": True}}


class CreatedApiTokenSerializer(ApiTokenSerializer):
    token = serializers.CharField(read_only=True, help_text="Shown once; only a digest is stored.")

    class Meta(ApiTokenSerializer.Meta):
        fields = [*ApiTokenSerializer.Meta.fields, "token"]


class ProfileSerializer(StrictModelSerializer):
    timezone = TimezoneField(required=False)
    day_starts_at = HourMinuteField(
        required=False,
        help_text='Local time the diary day starts, "HH:MM" (a cramp before it counts for the day before).',
    )
    sleep_starts_at = HourMinuteField(
        required=False, help_text='When you usually go to sleep, local "HH:MM" (default 23:00).'
    )
    sleep_ends_at = HourMinuteField(
        required=False,
        help_text='When you usually get up, local "HH:MM" (default 07:00). A cramp that starts between the two '
        "counts as a night cramp unless its context says you were up.",
    )
    conditions = choice_list(Condition)
    suggested_goal_ml = serializers.IntegerField(read_only=True)
    goal_ml = serializers.IntegerField(read_only=True, help_text="daily_goal_ml if set, else suggested_goal_ml.")
    email_verified = serializers.BooleanField(read_only=True)

    class Meta:
        model = User
        fields = [
            "id",
            "email",
            "email_verified",
            "timezone",
            "day_starts_at",
            "sleep_starts_at",
            "sleep_ends_at",
            "units",
            "week_starts_on",
            "daily_goal_ml",
            "suggested_goal_ml",
            "goal_ml",
            "body_weight_kg",
            "pregnancy_due_date",
            "conditions",
        ]
        # The id lets the app's service worker send only this user's offline entries.
        read_only_fields = ["id", "email"]


class PasswordSerializer(StrictSerializer):
    password = serializers.CharField(max_length=128, write_only=True, style={"input_type": "password"})


class PasswordChangeSerializer(StrictSerializer):
    current_password = serializers.CharField(max_length=128, write_only=True, style={"input_type": "password"})
    new_password = serializers.CharField(max_length=128, write_only=True, style={"input_type": "password"})


class PasswordResetSerializer(StrictSerializer):
    email = serializers.EmailField(max_length=254)


class DetailSerializer(serializers.Serializer):
    detail = serializers.CharField(read_only=True)


class MedicationSerializer(StrictModelSerializer):
    safety_note = serializers.CharField(read_only=True, help_text='Safety wording to show with this medicine, or "".')

    class Meta:
        model = Medication
        fields = ["id", "name", "drug_class", "regular", "started_on", "stopped_on", "safety_note"]
        read_only_fields = ["id", "safety_note"]
        extra_kwargs = {"regular": {"help_text": "Taken every day: the Today page offers a one-tap dose."}}
