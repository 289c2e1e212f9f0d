"""REST API for accounts: registration, tokens, the profile, medications, export and
deletion. Thin views over accounts.services."""

from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_logged_in
from django.http import HttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, generics, mixins, status, viewsets
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from accounts import serializers, services
from accounts.limits import LimitExceeded, signin_source_check
from accounts.models import ApiToken, Medication
from tracker.api import IdempotentCreateMixin, cursor_pagination


class LockedOut(exceptions.Throttled):
    default_detail = "Too many failed sign-in attempts; try again later."


REGISTERED = (
    "If this address is new, the account is created and usable at once; either way we have "
    "emailed {email}: a link to confirm the address, or a note that it already has an account."
)


class RegisterView(generics.GenericAPIView):
    """Create an account. The answer is the same whether or not the address already
    has one (so it does not tell who has an account): the email says which."""

    serializer_class = serializers.RegisterSerializer
    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(responses={201: serializers.RegisteredSerializer})
    def post(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        email = data["email"].strip().lower()
        services.account_register(email=email, password=data["password"], timezone_name=data["timezone"])
        return Response({"email": email, "detail": REGISTERED.format(email=email)}, status=status.HTTP_201_CREATED)


class TokenObtainView(generics.GenericAPIView):
    """Exchange email and password for a new named API token (shown once). Failed
    attempts count towards the same lockout as the login form."""

    serializer_class = serializers.TokenObtainSerializer
    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(responses={201: serializers.NewTokenSerializer})
    def post(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            signin_source_check(request)
        except LimitExceeded as error:
            raise exceptions.Throttled(wait=error.limit.retry_after, detail=str(error)) from error
        user = authenticate(request=request, email=data["email"], password=data["password"])
        if getattr(request, "axes_locked_out", False):
            raise LockedOut()
        if user is None:
            raise exceptions.ValidationError({"non_field_errors": ["The email address or password is not correct."]})
        # A sign-in like the form's: axes resets this address's failure count, as it
        # does for the form (AXES_RESET_ON_SUCCESS), and last_login moves.
        user_logged_in.send(sender=type(user), request=request._request, user=user)
        token, raw = services.api_token_create(
            user=user, name=data.get("name") or "API token", expires_in_days=data.get("expires_in_days")
        )
        return Response(
            {"token": raw, "name": token.name, "expires_at": token.expires_at}, status=status.HTTP_201_CREATED
        )


class PasswordResetView(generics.GenericAPIView):
    """Email a password-reset link. The answer is the same whether or not the address
    has an account."""

    serializer_class = serializers.PasswordResetSerializer
    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(responses={202: serializers.DetailSerializer})
    def post(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            services.password_reset_request(email=serializer.validated_data["email"])
        except LimitExceeded as error:
            raise exceptions.Throttled(wait=error.limit.retry_after, detail=str(error)) from error
        return Response(
            {"detail": "If an account has this address, we have emailed it a link to choose a new password."},
            status=status.HTTP_202_ACCEPTED,
        )


class TokenViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet):
    """Your active API tokens. POST makes a new one (shown once); DELETE revokes."""

    # No Idempotency-Key here: replaying would mean storing the raw token.

    serializer_class = serializers.ApiTokenSerializer
    queryset = ApiToken.objects.none()  # for the schema; requests use get_queryset
    pagination_class = cursor_pagination("-created_at", "-id")
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self):
        return ApiToken.objects.for_user(self.request.user).active()

    @extend_schema(responses={201: serializers.CreatedApiTokenSerializer})
    def create(self, request, *args, **kwargs):
        return super().create(request, *args, **kwargs)

    def perform_create(self, serializer):
        data = serializer.validated_data
        token, raw = services.api_token_create(
            user=self.request.user, name=data.get("name", ""), expires_in_days=data.get("expires_in_days")
        )
        token.token = raw
        serializer.instance = token

    def get_serializer_class(self):
        return serializers.CreatedApiTokenSerializer if self.action == "create" else serializers.ApiTokenSerializer

    def perform_destroy(self, instance):
        services.api_token_revoke(token=instance)


class MeView(generics.GenericAPIView):
    """Your profile. PATCH updates it (a new timezone or day start re-files your
    entries under their new diary days, in the background); DELETE with your password
    deletes the account and all its data."""

    serializer_class = serializers.ProfileSerializer
    delete_body_serializer = serializers.PasswordSerializer
    http_method_names = ["get", "patch", "delete", "head", "options"]

    def get(self, request):
        return Response(self.get_serializer(request.user).data)

    def patch(self, request):
        serializer = self.get_serializer(request.user, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        user = services.profile_update(user=request.user, **serializer.validated_data)
        return Response(self.get_serializer(user).data)

    @extend_schema(responses={204: None})
    def delete(self, request):
        serializer = serializers.PasswordSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            services.user_delete(user=request.user, password=serializer.validated_data["password"], request=request)
        except LimitExceeded as error:
            raise exceptions.Throttled(wait=error.limit.retry_after, detail=str(error)) from error
        return Response(status=status.HTTP_204_NO_CONTENT)


class PasswordChangeView(generics.GenericAPIView):
    """Change your password: the current one first. A wrong current password counts
    toward the sign-in lockout. The new password ends every session and revokes every
    API token, the one making this call included: ask `auth/token/` for a new one."""

    serializer_class = serializers.PasswordChangeSerializer

    @extend_schema(responses={200: serializers.DetailSerializer})
    def post(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            services.password_change(
                request=request, user=request.user, current=data["current_password"], new=data["new_password"]
            )
        except LimitExceeded as error:
            raise exceptions.Throttled(wait=error.limit.retry_after, detail=str(error)) from error
        return Response({"detail": "Password changed. Every session and API token has ended; sign in again."})


class MedicationViewSet(IdempotentCreateMixin, viewsets.ModelViewSet):
    serializer_class = serializers.MedicationSerializer
    queryset = Medication.objects.none()  # for the schema; requests use get_queryset
    pagination_class = cursor_pagination("-id")
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self):
        return Medication.objects.for_user(self.request.user)

    def perform_create(self, serializer):
        serializer.instance = services.medication_create(user=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services.medication_update(medication=serializer.instance, **serializer.validated_data)

    def perform_destroy(self, instance):
        services.medication_delete(medication=instance)


class ExportView(generics.GenericAPIView):
    """Everything you have stored, as JSON: the profile and one list per table."""

    pagination_class = None

    @extend_schema(responses={200: OpenApiResponse(OpenApiTypes.OBJECT, description="All your data.")})
    def get(self, request):
        return Response(services.user_export(user=request.user))


class ExportCsvView(generics.GenericAPIView):
    """Everything you have stored, as a zip of CSV files (one per table)."""

    pagination_class = None

    @extend_schema(responses={(200, "application/zip"): OpenApiResponse(OpenApiTypes.BINARY)})
    def get(self, request):
        response = HttpResponse(services.user_export_csv_zip(user=request.user), content_type="application/zip")
        filename = f"cramp-tracker-export-{timezone.now():%Y-%m-%d}.zip"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
