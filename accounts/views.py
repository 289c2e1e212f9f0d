from urllib.parse import urlparse

from django.contrib import messages
from django.contrib.auth import logout, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordResetForm
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from accounts import services
from accounts.forms import (
    DeleteAccountForm,
    LoginForm,
    MedicationForm,
    PasswordChangeForm,
    PresetFormSet,
    ProfileForm,
    SignupForm,
    TokenForm,
    presets_from,
    presets_initial,
)
from accounts.limits import LimitExceeded, signin_source_check
from accounts.middleware import session_start
from accounts.models import ApiToken, Medication
from tracker.logbook.forms import add_service_errors
from tracker.logbook.selectors import today_of
from tracker.logbook.views import presets_of

NEW_TOKEN_SESSION_KEY = "new_api_token"  # noqa: S105 (a session key name)


def verify_email(request, token):
    try:
        services.email_verify(token=token)
    except ValidationError as error:
        return render(request, "accounts/verify_failed.html", {"message": error.messages[0]}, status=400)
    messages.success(request, "Thank you: your email address is confirmed.")
    return redirect("today" if request.user.is_authenticated else "login")


@login_required
@require_POST
def verification_resend(request):
    try:
        queued = services.email_verification_resend(user=request.user)
    except LimitExceeded as error:
        return too_many(request, error)
    if queued:
        messages.success(request, f"We sent a new confirmation link to {request.user.email}.")
    return redirect("settings")


def too_many(request, error: LimitExceeded) -> HttpResponse:
    response = render(
        request,
        "security/locked_out.html",
        {"message": str(error), "minutes": error.limit.retry_after // 60},
        status=429,
    )
    response["Retry-After"] = str(error.limit.retry_after)
    return response


SIGNUP_EMAIL_SESSION_KEY = "signup_email"
SIGNED_UP = (
    "We sent an email to {email}: a link to confirm the address if it is new, or a note that it "
    "already has an account. Sign in with your password to continue."
)


def signup(request):
    """The same answer for a new and a taken address (so the page does not tell who has
    an account): a redirect to sign in, nobody signed in yet. The email says which."""
    if request.user.is_authenticated:
        return redirect("today")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"].strip().lower()
        try:
            with transaction.atomic():
                services.account_register(
                    email=email, password=form.cleaned_data["password"], timezone_name=form.cleaned_data["timezone"]
                )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, SIGNED_UP.format(email=email))
            request.session[SIGNUP_EMAIL_SESSION_KEY] = email  # filled in on the sign-in form
            # Then a short, skippable set-up: goal, sleep hours, reminders on this device.
            return redirect(f"{reverse('login')}?next={reverse('welcome')}")
    return render(request, "accounts/signup.html", {"form": form}, status=400 if form.errors else 200)


def password_reset(request):
    form = PasswordResetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        # Queued whoever the address belongs to; the worker builds the link from SITE_URL.
        try:
            services.password_reset_request(email=form.cleaned_data["email"])
        except LimitExceeded as error:
            return too_many(request, error)
        return redirect("password_reset_done")
    return render(request, "registration/password_reset_form.html", {"form": form}, status=400 if form.errors else 200)


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    redirect_authenticated_user = True

    def get_initial(self):
        # The address just typed on the signup page, whether or not it was new.
        email = self.request.session.get(SIGNUP_EMAIL_SESSION_KEY)
        return {"email": email} if email else {}

    def get_redirect_url(self):
        # `?next=/login/` for someone signed in would send them back here for ever
        # (Django raises "Redirection loop"): go home instead.
        url = super().get_redirect_url()
        if url and urlparse(url).path == self.request.path:
            return ""
        return url

    def post(self, request, *args, **kwargs):
        # Password spraying: many addresses from one source (axes counts per address and IP).
        try:
            signin_source_check(request)
        except LimitExceeded as error:
            return too_many(request, error)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        response = super().form_valid(form)
        self.request.session.pop(SIGNUP_EMAIL_SESSION_KEY, None)
        session_start(self.request, remember=form.cleaned_data.get("remember", False))
        return response


@login_required
def settings_view(request):
    user = request.user
    form = ProfileForm(request.POST or None, user=user, prefix="profile")
    presets = PresetFormSet(
        request.POST or None,
        initial=presets_initial(presets_of(user), user),
        form_kwargs={"user": user},
        prefix="presets",
    )
    if request.method == "POST" and form.is_valid() and presets.is_valid():
        old_diary = [getattr(user, name) for name in services.DIARY_PROFILE_FIELDS]
        try:
            services.profile_update(user=user, drink_presets=presets_from(presets, user), **form.service_fields())
        except ValidationError as error:
            user.refresh_from_db()
            add_service_errors(form, error, rename=ProfileForm.rename)
        else:
            if [getattr(user, name) for name in services.DIARY_PROFILE_FIELDS] != old_diary:
                messages.info(request, "Saved. Your past entries are being moved to the right diary days.")
            else:
                messages.success(request, "Settings saved.")
            return redirect("settings")
    return render(
        request,
        "accounts/settings.html",
        {"form": form, "presets": presets},
        status=400 if form.errors or (request.method == "POST" and presets.errors) else 200,
    )


@login_required
@require_POST
def timezone_update(request):
    """The travel banner's "Use <zone>": only the timezone changes."""
    zone = request.POST.get("timezone", "")
    try:
        services.profile_update(user=request.user, timezone=zone)
    except ValidationError:
        request.user.refresh_from_db()
        messages.error(request, "That timezone is not one we know; choose it in Settings.")
    else:
        messages.info(request, f"Your diary now keeps time in {zone}. Past entries are being re-filed.")
    target = request.POST.get("next") or ""
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        target = reverse("today")
    return redirect(target)


@login_required
def password_change(request):
    form = PasswordChangeForm(request.user, request.POST or None, request=request)
    if request.method == "POST":
        try:
            valid = form.is_valid()
        except LimitExceeded as error:
            return too_many(request, error)
        if valid:
            user = form.save()
            # The new password ended every session and token (PasswordChangeEndsAccess);
            # this one continues under a new key.
            update_session_auth_hash(request, user)
            messages.success(request, "Password changed. Your other sessions and every API token have ended.")
            return redirect("settings")
    return render(request, "accounts/password_change.html", {"form": form}, status=400 if form.errors else 200)


@login_required
def medications(request):
    form = MedicationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            medication = services.medication_create(user=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Added {form.cleaned_data['name']}.")
            if medication.safety_note:
                messages.warning(request, medication.safety_note)
            return redirect("medications")
    rows = Medication.objects.for_user(request.user)
    return render(
        request, "accounts/medications.html", {"form": form, "medications": rows}, status=400 if form.errors else 200
    )


@login_required
def medication_edit(request, pk):
    medication = get_object_or_404(Medication.objects.for_user(request.user), pk=pk)
    form = MedicationForm(request.POST or None, instance=medication)
    if request.method == "POST" and form.is_valid():
        try:
            services.medication_update(medication=medication, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Saved {medication.name}.")
            return redirect("medications")
    return render(
        request,
        "accounts/medication_form.html",
        {"form": form, "medication": medication},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def medication_stop(request, pk):
    medication = get_object_or_404(Medication.objects.for_user(request.user), pk=pk)
    try:
        services.medication_update(medication=medication, stopped_on=today_of(request.user))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Marked {medication.name} as stopped today.")
    return redirect("medications")


@login_required
def tokens(request):
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        token, raw = services.api_token_create(user=request.user, name=form.cleaned_data["name"])
        # Kept in the session for one page view only: the raw token is shown once.
        request.session[NEW_TOKEN_SESSION_KEY] = {"id": token.pk, "raw": raw}
        return redirect("tokens")
    new = request.session.pop(NEW_TOKEN_SESSION_KEY, None)
    rows = ApiToken.objects.for_user(request.user)
    return render(
        request, "accounts/tokens.html", {"form": form, "tokens": rows, "new": new}, status=400 if form.errors else 200
    )


@login_required
@require_POST
def token_revoke(request, pk):
    token = get_object_or_404(ApiToken.objects.for_user(request.user), pk=pk)
    services.api_token_revoke(token=token)
    messages.success(request, f"Revoked “{token.name}”. Anything using it can no longer reach your data.")
    return redirect("tokens")


@login_required
def export(request):
    return render(request, "accounts/export.html")


def _download(content, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
def export_json(request):
    stamp = timezone.now().strftime("%Y%m%d")
    return _download(services.user_export_json(user=request.user), "application/json", f"cramp-tracker-{stamp}.json")


@login_required
def export_csv(request):
    stamp = timezone.now().strftime("%Y%m%d")
    return _download(services.user_export_csv_zip(user=request.user), "application/zip", f"cramp-tracker-{stamp}.zip")


@login_required
def account_delete(request):
    form = DeleteAccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.user_delete(user=request.user, password=form.cleaned_data["password"], request=request)
        except LimitExceeded as error:
            return too_many(request, error)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            logout(request)
            messages.success(request, "Your account and all its data are deleted.")
            return redirect("login")
    return render(request, "accounts/delete.html", {"form": form}, status=400 if form.errors else 200)
