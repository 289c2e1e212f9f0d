"""REST API for the logbook: thin viewsets over the logbook services."""

import datetime as dt

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from accounts.models import Medication
from tracker.api import (
    AwareDateTimeField,
    IdempotentCreateMixin,
    StrictModelSerializer,
    choice_list,
    cursor_pagination,
)
from tracker.logbook import advice, services
from tracker.logbook.filters import CheckInFilter, diary_filterset
from tracker.logbook.models import (
    CHECKIN_FACTOR_FIELDS,
    CHECKIN_RED_FLAG_FIELDS,
    Activity,
    CheckIn,
    DehydrationSign,
    DeletedEntry,
    Dose,
    Episode,
    Illness,
    Intake,
    Relief,
    Symptom,
)

DIARY_READ_ONLY = ("id", "day")


class EpisodeSerializer(StrictModelSerializer):
    started_at = AwareDateTimeField()
    relief = choice_list(Relief)
    symptoms = choice_list(Symptom)
    red_flag_message = serializers.SerializerMethodField(
        help_text="Set when a symptom needs a doctor: show it to the user at once."
    )

    class Meta:
        model = Episode
        fields = [
            "id",
            "started_at",
            "day",
            "duration_seconds",
            "muscle",
            "side",
            "severity",
            "context",
            "relief",
            "symptoms",
            "sleep_disturbed",
            "at_night",
            "notes",
            "red_flag_message",
        ]
        read_only_fields = (*DIARY_READ_ONLY, "at_night")
        extra_kwargs = {
            "at_night": {
                "help_text": "A night cramp: it started inside your usual sleep window (profile) and the "
                "context does not say you were up. Computed by the server; not the same as sleep_disturbed."
            }
        }

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_red_flag_message(self, episode) -> str | None:
        # The request's user owns the row; reading episode.user would cost a query per row.
        return advice.red_flag_message(episode.symptoms, pregnant=self.context["request"].user.is_pregnant)


class IntakeSerializer(StrictModelSerializer):
    taken_at = AwareDateTimeField()

    class Meta:
        model = Intake
        fields = [
            "id",
            "taken_at",
            "day",
            "volume_ml",
            "beverage",
            "sodium_mg",
            "potassium_mg",
            "magnesium_mg",
            "effective_ml",
            "alcohol_units",
        ]
        read_only_fields = (*DIARY_READ_ONLY, "effective_ml", "alcohol_units")


class ActivitySerializer(StrictModelSerializer):
    started_at = AwareDateTimeField()

    class Meta:
        model = Activity
        fields = ["id", "started_at", "day", "duration_minutes", "kind", "intensity", "heavy_sweating"]
        read_only_fields = DIARY_READ_ONLY


class OwnMedicationField(serializers.PrimaryKeyRelatedField):
    """Only the requesting user's medications: another user's id is a 400."""

    def get_queryset(self):
        return Medication.objects.for_user(self.context["request"].user)


class DoseSerializer(StrictModelSerializer):
    taken_at = AwareDateTimeField()
    medication = OwnMedicationField(help_text="The id of one of your medications.")

    class Meta:
        model = Dose
        fields = ["id", "taken_at", "day", "medication", "amount", "amount_unit"]
        read_only_fields = DIARY_READ_ONLY


class CheckInSerializer(StrictModelSerializer):
    illness = choice_list(Illness)
    dehydration_signs = choice_list(DehydrationSign)
    red_flag_message = serializers.SerializerMethodField(
        help_text="Set when a red flag below is true: show it to the user at once."
    )

    class Meta:
        model = CheckIn
        fields = ["id", "day", *CHECKIN_FACTOR_FIELDS, *CHECKIN_RED_FLAG_FIELDS, "red_flag_message"]
        read_only_fields = ("id",)
        # Red flags on the day, outside any cramp (a cramp's own go in its `symptoms`).
        extra_kwargs = {
            "fainting": {"help_text": "Fainted this day, not during a cramp. A red flag: see a doctor."},
            "confusion": {"help_text": "Confused this day, not during a cramp. A red flag: see a doctor."},
            "sunken_eyes": {"help_text": "Sunken eyes (a sign of severe dehydration). A red flag: see a doctor."},
            "loss_of_consciousness": {
                "help_text": "Lost consciousness this day, not during a cramp. Can be a seizure: a red flag."
            },
            "whole_body_convulsions": {
                "help_text": "Whole-body convulsions (a fit) this day. Can be a seizure: a red flag."
            },
            "high_blood_pressure_in_pregnancy": {
                "help_text": "Pregnant, with high blood pressure measured or told this day. A red flag: see a "
                "doctor or maternity care promptly."
            },
            "swelling_in_pregnancy": {
                "help_text": "Pregnant, with swelling of the face, hands or legs this day. A red flag: see a "
                "doctor or maternity care promptly."
            },
        }

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_red_flag_message(self, checkin) -> str | None:
        return advice.red_flag_message(checkin.red_flags, pregnant=self.context["request"].user.is_pregnant)


class DiaryRowViewSet(IdempotentCreateMixin, viewsets.ModelViewSet):
    """List (newest first), create, retrieve, update and delete one kind of diary row.
    Writes go through the logbook services, which compute the diary day."""

    model: type
    log: staticmethod
    lookup_value_regex = r"[0-9]+"

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # The instant a row is logged at (services.INSTANT_FIELD) orders and filters its list.
        instant = services.INSTANT_FIELD.get(cls.model)
        cls.queryset = cls.model.objects.none()  # for the schema; requests use get_queryset
        if instant:
            cls.filterset_class = diary_filterset(cls.model, instant)
            cls.pagination_class = cursor_pagination(f"-{instant}", "-id")

    def get_queryset(self):
        return self.model.objects.for_user(self.request.user)

    def perform_create(self, serializer):
        serializer.instance = type(self).log(user=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services.entry_update(entry=serializer.instance, **serializer.validated_data)

    def perform_destroy(self, instance):
        services.entry_delete(entry=instance)


class EpisodeViewSet(DiaryRowViewSet):
    model = Episode
    log = staticmethod(services.episode_log)
    serializer_class = EpisodeSerializer


class IntakeViewSet(DiaryRowViewSet):
    model = Intake
    log = staticmethod(services.intake_log)
    serializer_class = IntakeSerializer


class ActivityViewSet(DiaryRowViewSet):
    model = Activity
    log = staticmethod(services.activity_log)
    serializer_class = ActivitySerializer


class DoseViewSet(DiaryRowViewSet):
    model = Dose
    log = staticmethod(services.dose_log)
    serializer_class = DoseSerializer


class CheckInViewSet(DiaryRowViewSet):
    model = CheckIn
    serializer_class = CheckInSerializer
    filterset_class = CheckInFilter
    pagination_class = cursor_pagination("-day", "-id")

    def perform_create(self, serializer):
        serializer.instance = services.checkin_save(user=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services.checkin_save(
            user=self.request.user, checkin=serializer.instance, **serializer.validated_data
        )


class DeletedEntrySerializer(serializers.ModelSerializer):
    restore_until = serializers.SerializerMethodField(help_text="After this instant the entry is gone for good.")

    class Meta:
        model = DeletedEntry
        fields = ["id", "kind", "entry_id", "day", "deleted_at", "restore_until", "data"]
        read_only_fields = fields
        extra_kwargs = {
            "kind": {"help_text": "episode, intake, activity, dose or checkin."},
            "entry_id": {"help_text": "The id the entry had, and has again once restored."},
            "data": {"help_text": "The entry's fields as they were when deleted."},
        }

    def get_restore_until(self, deleted) -> dt.datetime:
        return deleted.deleted_at + dt.timedelta(days=DeletedEntry.KEEP_FOR_DAYS)


class RestoredSerializer(serializers.Serializer):
    kind = serializers.CharField(read_only=True)
    id = serializers.IntegerField(read_only=True)
    day = serializers.DateField(read_only=True)


class DeletedEntryViewSet(viewsets.ReadOnlyModelViewSet):
    """Entries you deleted in the last week, newest first. POST .../restore/ brings one
    back under its old id (its diary day and night flag computed from today's profile)."""

    serializer_class = DeletedEntrySerializer
    queryset = DeletedEntry.objects.none()  # for the schema; requests use get_queryset
    pagination_class = cursor_pagination("-deleted_at", "-id")
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self):
        return services.deleted_entries(user=self.request.user)

    @extend_schema(request=None, responses={200: RestoredSerializer})
    @action(detail=True, methods=["post"])
    def restore(self, request, pk=None):
        deleted = self.get_object()
        try:
            row = services.entry_restore(deleted=deleted)
        except DjangoValidationError as error:
            raise ValidationError(error.message_dict if hasattr(error, "error_dict") else error.messages) from error
        return Response({"kind": deleted.kind, "id": row.pk, "day": row.day.isoformat()}, status=status.HTTP_200_OK)
