import csv
import datetime as dt
import io
import json
import logging
import secrets
import zipfile
from urllib.parse import urlparse

from django.apps import apps
from django.conf import settings
from django.contrib.auth import authenticate, password_validation
from django.contrib.sessions.models import Session
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts import limits
from accounts.models import ApiToken, IdempotencyKey, Medication, User
from tracker.prepared import Prepared
from tracker.spreadsheet import safe_cell

log = logging.getLogger(__name__)

EMAIL_VERIFY_SALT = "accounts.email-verify"
EMAIL_VERIFY_MAX_AGE = dt.timedelta(days=7)
TOKEN_PREFIX_LENGTH = 8


def user_register(*, email: str, password: str, timezone_name: str = "UTC") -> User:
    """Create an account that is usable at once; the emailed link only verifies the
    address, which gates sending health data to it."""
    email = User.objects.normalize_email(email).strip().lower()
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": "An account with this email address already exists."})
    user = User(email=email, timezone=timezone_name)
    try:
        password_validation.validate_password(password, user)
    except ValidationError as error:
        raise ValidationError({"password": error.messages}) from error
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    transaction.on_commit(lambda: account_mail_queue("verify", user.pk))
    return user


def account_register(*, email: str, password: str, timezone_name: str = "UTC") -> None:
    """Registration that answers the same whether or not the address has an account
    (the API's): a new address gets its account and a confirmation link; a taken one
    gets an email saying so, with sign-in and reset links. A weak password is refused
    either way, before the address is looked up, and the taken path hashes a password
    too, so the time taken tells nothing either."""
    email = User.objects.normalize_email(email).strip().lower()
    try:
        password_validation.validate_password(password, User(email=email))
    except ValidationError as error:
        raise ValidationError({"password": error.messages}) from error
    existing = User.objects.filter(email__iexact=email).first()
    if existing is None:
        user_register(email=email, password=password, timezone_name=timezone_name)
        return
    User().set_password(password)  # the same hashing work as a new account
    try:
        limits.ALREADY_REGISTERED_PER_ADDRESS.hit(email)
    except limits.LimitExceeded:
        return  # silently: a 429 here would say the address is taken
    transaction.on_commit(lambda: account_mail_queue("exists", existing.pk))


def already_registered_send(*, user: User) -> None:
    context = {
        "login_link": settings.SITE_URL + reverse("login"),
        "reset_link": settings.SITE_URL + reverse("password_reset"),
    }
    send_mail(
        subject="You already have an account",
        message=render_to_string("accounts/email/already_registered.txt", context),
        from_email=None,
        recipient_list=[user.email],
    )


def account_mail_queue(kind: str, target) -> None:
    """Account mail leaves the request: published to the workers (`accounts.tasks`), so
    an SMTP error cannot fail a request after the account was saved, slow SMTP holds no
    web worker, and the answer takes the same time whoever the address belongs to.
    `ACCOUNT_MAIL_QUEUED = False` (the test settings) sends in-process instead."""
    from accounts import tasks

    task = {
        "verify": tasks.verification_mail_send,
        "reset": tasks.password_reset_mail_send,
        "exists": tasks.already_registered_mail_send,
    }[kind]
    if not settings.ACCOUNT_MAIL_QUEUED:
        task.run(target)
        return
    try:
        task.delay(target)
    except Exception:  # kombu raises several kinds of connection error
        # Not sent inline: that would bring back the timing difference and the SMTP wait.
        # The user can ask again (verify-again, the reset form).
        log.warning("broker unavailable; %s mail not queued", kind)


def email_verification_token(*, user: User) -> str:
    return signing.dumps({"user": user.pk, "email": user.email}, salt=EMAIL_VERIFY_SALT)


def email_verification_send(*, user: User) -> None:
    link = settings.SITE_URL + reverse("verify-email", args=[email_verification_token(user=user)])
    context = {"user": user, "link": link, "days": EMAIL_VERIFY_MAX_AGE.days}
    send_mail(
        subject="Confirm your email address",
        message=render_to_string("accounts/email/verify.txt", context),
        from_email=None,
        recipient_list=[user.email],
        html_message=render_to_string("accounts/email/verify.html", context),
    )


def email_verify(*, token: str) -> User:
    """Mark the address verified. The token names the address, so a link sent before
    an email change cannot verify the new address."""
    try:
        data = signing.loads(token, salt=EMAIL_VERIFY_SALT, max_age=EMAIL_VERIFY_MAX_AGE)
    except signing.SignatureExpired as error:
        raise ValidationError("This confirmation link has expired; ask for a new one from Settings.") from error
    except signing.BadSignature as error:
        raise ValidationError("This confirmation link is not valid.") from error
    user = User.objects.filter(pk=data["user"], email=data["email"]).first()
    if user is None:
        raise ValidationError("This confirmation link is not valid.")
    if user.email_verified_at is None:
        user.email_verified_at = timezone.now()
        user.save(update_fields=["email_verified_at"])
    return user


def profile_update(*, user: User, **fields) -> User:
    """Update profile fields. A change of timezone, day start or sleep window recomputes
    the stored diary days and night flags of every row, in the background."""
    days_move = _changes(user, fields, DIARY_PROFILE_FIELDS)
    reports_move = _changes(user, fields, REPORTED_PROFILE_FIELDS)
    for name, value in fields.items():
        setattr(user, name, value)
    user.full_clean(exclude=["password"])
    user.save()
    if days_move:
        from accounts.tasks import diary_days_recompute

        transaction.on_commit(lambda: _enqueue_or_run(diary_days_recompute, user.pk))
    if reports_move:
        # Also with a days move: that stales only the weeks whose days moved, and only
        # once the recompute has run; a new goal changes every week at once.
        from tracker.reports.services import snapshots_mark_all_stale

        snapshots_mark_all_stale(user=user)
    return user


# Profile fields the stored diary day and night flag are computed from.
DIARY_PROFILE_FIELDS = ("timezone", "day_starts_at", "sleep_starts_at", "sleep_ends_at")
# Profile fields the weekly reports read (the goal and what it is computed from).
REPORTED_PROFILE_FIELDS = ("daily_goal_ml", "body_weight_kg", "pregnancy_due_date", "conditions")


def _changes(user: User, fields: dict, names) -> bool:
    return any(name in fields and fields[name] != getattr(user, name) for name in names)


def _enqueue_or_run(task, *args) -> None:
    """Enqueue a task; if the broker is down, do the work now rather than lose it."""
    try:
        task.delay(*args)
    except Exception:  # kombu raises several kinds of connection error
        log.warning("broker unavailable; running %s inline", task.name)
        task.run(*args)


def password_reset_request(*, email: str) -> None:
    """Queue a password-reset mail for `email`, whoever it belongs to: the worker looks
    the address up, so neither the answer nor its timing says who has an account.
    LimitExceeded past the per-address limit (the same for every address)."""
    limits.PASSWORD_RESET_PER_ADDRESS.hit(email.strip())
    account_mail_queue("reset", email)


def email_verification_resend(*, user: User) -> bool:
    """Queue another confirmation link; LimitExceeded past the per-user limit."""
    if user.email_verified:
        return False
    limits.VERIFY_AGAIN_PER_USER.hit(str(user.pk))
    account_mail_queue("verify", user.pk)
    return True


def password_reset_send(*, email: str) -> None:
    """Email a password-reset link if an active account has this address (in a worker).
    The link points at the web page named `password_reset_confirm` (Django's
    PasswordResetConfirmView), built from SITE_URL, never from a request's Host."""
    from django.contrib.auth.forms import PasswordResetForm

    form = PasswordResetForm({"email": email})
    if form.is_valid():
        site = urlparse(settings.SITE_URL)
        form.save(
            domain_override=site.netloc,
            use_https=site.scheme == "https",
            subject_template_name="accounts/email/password_reset_subject.txt",
            email_template_name="accounts/email/password_reset.txt",
            extra_email_context={"timeout_days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86400)},
        )


# Medication dates outside these years are typing mistakes, and year 1 overflowed the
# report's before/after arithmetic (a 500 on every report page).
MEDICATION_EARLIEST = dt.date(1900, 1, 1)
MEDICATION_LATEST_YEARS_AHEAD = 5


def _medication_dates_check(medication: Medication) -> None:
    latest = timezone.now().date().replace(month=1, day=1)
    latest = latest.replace(year=latest.year + MEDICATION_LATEST_YEARS_AHEAD)
    errors = {}
    for name in ("started_on", "stopped_on"):
        value = getattr(medication, name)
        if value is not None and not MEDICATION_EARLIEST <= value < latest:
            errors[name] = f"Give a date between {MEDICATION_EARLIEST:%Y} and {latest.year - 1}."
    if errors:
        raise ValidationError(errors)


def medication_create(*, user: User, **fields) -> Medication:
    medication = Medication(user=user, **fields)
    _medication_dates_check(medication)
    medication.full_clean(exclude=["user"])
    medication.save()
    _medication_reports_stale(user=user)
    return medication


def _medication_reports_stale(*, user: User) -> None:
    """Every report shows the medication list's starts and stops (the before/after
    view, over the report's whole window): any medication write stales them all."""
    from tracker.reports.services import snapshots_mark_all_stale

    snapshots_mark_all_stale(user=user)


def medication_update(*, medication: Medication, **fields) -> Medication:
    for name, value in fields.items():
        setattr(medication, name, value)
    _medication_dates_check(medication)
    medication.full_clean(exclude=["user"])
    medication.save()
    _medication_reports_stale(user=medication.user)
    return medication


def medication_delete(*, medication: Medication) -> None:
    """Deleting a medication deletes its doses and leaves the list: every report goes stale."""
    with transaction.atomic():
        medication.delete()
        _medication_reports_stale(user=medication.user)


TOKEN_MAX_DAYS = 365


def api_token_create(*, user: User, name: str, expires_in_days: int | None = None) -> tuple[ApiToken, str]:
    """Create a named token, valid until revoked or for `expires_in_days`. Returns the
    row and the raw token, which is shown once and never stored (only its SHA-256
    digest is)."""
    name = (name or "").strip() or "API token"
    if expires_in_days is not None and not 1 <= expires_in_days <= TOKEN_MAX_DAYS:
        raise ValidationError({"expires_in_days": f"Give 1 to {TOKEN_MAX_DAYS} days, or leave it out."})
    expires_at = None if expires_in_days is None else timezone.now() + dt.timedelta(days=expires_in_days)
    raw = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name[:80],
        digest=ApiToken.digest_of(raw),
        prefix=raw[:TOKEN_PREFIX_LENGTH],
        expires_at=expires_at,
    )
    return token, raw


def api_token_revoke(*, token: ApiToken) -> None:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])


# On every API request: one SELECT of the token joined with its user, compiled once per
# process (the rule of an active token stays in ApiToken.objects.active()); the user's
# is_active is read from the joined row.
_ACTIVE_TOKEN = Prepared(
    lambda digest, now: ApiToken.objects.active(now=now).select_related("user").filter(digest=digest).order_by(),
    digest=str,
    now=dt.datetime,
)


def api_token_authenticate(*, raw: str) -> ApiToken | None:
    token = _ACTIVE_TOKEN.first(digest=ApiToken.digest_of(raw), now=timezone.now())
    if token is None:
        return None
    if not token.user.is_active:
        return None
    if token.last_used_at is None or timezone.now() - token.last_used_at > dt.timedelta(minutes=5):
        # Written at most every 5 minutes so a busy client does not write on every call.
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token


def idempotency_keys_prune() -> int:
    """Forget Idempotency-Key responses older than their 24 hours."""
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=timezone.now() - IdempotencyKey.KEEP_FOR).delete()
    return deleted


def sessions_end(*, user: User, keep_session_key: str | None = None) -> int:
    """End every session of `user` (except `keep_session_key`). Sessions are signed
    blobs with no user column, so we decode them; fine at this app's scale."""
    ended = 0
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if session.session_key == keep_session_key:
            continue
        if str(session.get_decoded().get("_auth_user_id")) == str(user.pk):
            session.delete()
            ended += 1
    return ended


def tokens_revoke_all(*, user: User) -> None:
    ApiToken.objects.for_user(user).active().update(revoked_at=timezone.now())


# Export -------------------------------------------------------------------------

# Rows that are not the user's data: secrets and bookkeeping.
EXPORT_EXCLUDED_FIELDS = {"digest", "password", "webhook_secret", "dispatch_token", "claim_token", "p256dh", "auth"}
# By "app_label.model_name", so a higher app's bookkeeping is named without importing it.
EXPORT_EXCLUDED_MODELS = {"accounts.idempotencykey", "reports.reportschedule"}
PROFILE_FIELDS = [
    "email",
    "email_verified_at",
    "date_joined",
    "timezone",
    "day_starts_at",
    "sleep_starts_at",
    "sleep_ends_at",
    "units",
    "week_starts_on",
    "body_weight_kg",
    "daily_goal_ml",
    "pregnancy_due_date",
    "conditions",
    "drink_presets",
]


def user_owned_models() -> list[tuple[type[models.Model], str]]:
    """Every model with a foreign key to the user, with that field's name. Export and
    deletion walk this list, so a model added later is covered without a change here."""
    owned = []
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if isinstance(field, models.ForeignKey) and field.related_model is User and model is not User:
                owned.append((model, field.name))
    return owned


def _export_key(model: type[models.Model]) -> str:
    return f"{model._meta.app_label}.{model._meta.model_name}"


def user_export(*, user: User) -> dict:
    data = {
        "exported_at": timezone.now(),
        "profile": {name: getattr(user, name) for name in PROFILE_FIELDS},
    }
    for model, field in user_owned_models():
        if _export_key(model) in EXPORT_EXCLUDED_MODELS or not model._meta.managed:
            continue
        columns = [f.attname for f in model._meta.concrete_fields if f.attname not in EXPORT_EXCLUDED_FIELDS]
        columns = [c for c in columns if c != f"{field}_id"]
        data[_export_key(model)] = list(model._default_manager.filter(**{field: user}).order_by("pk").values(*columns))
    return data


def user_export_json(*, user: User) -> str:
    return json.dumps(user_export(user=user), cls=DjangoJSONEncoder, indent=2)


def user_export_csv_zip(*, user: User) -> bytes:
    """One CSV file per table, in a zip."""
    data = user_export(user=user)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        profile = data.pop("profile")
        data.pop("exported_at")
        archive.writestr("profile.csv", _csv([profile], list(profile)))
        for key, rows in data.items():
            if rows:
                archive.writestr(f"{key}.csv", _csv(rows, list(rows[0])))
    return buffer.getvalue()


def _csv(rows: list[dict], columns: list[str]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns)
    writer.writeheader()
    for row in rows:
        writer.writerow({k: safe_cell(json.dumps(v) if isinstance(v, (list, dict)) else v) for k, v in row.items()})
    return out.getvalue()


def password_confirm(*, request, user: User, password: str) -> None:
    """The signed-in user's password, re-entered before something irreversible. Checked
    through authenticate(), so a wrong one counts toward axes' lockout and the
    per-source limit like a failed sign-in; LimitExceeded once either is used up."""
    limits.signin_source_check(request)
    authenticated = authenticate(request=request, email=user.email, password=password)
    if getattr(request, "axes_locked_out", False):
        raise limits.LimitExceeded(limits.lockout_limit())
    if authenticated is None or authenticated.pk != user.pk:
        raise ValidationError({"password": "The password is not correct."})


def password_change(*, request, user: User, current: str, new: str) -> None:
    """A signed-in change: the current password (counted like a sign-in), then the new
    one through the password validators. Saving it ends every session and token
    (tracker.security.PasswordChangeEndsAccess)."""
    try:
        password_confirm(request=request, user=user, password=current)
    except ValidationError as error:
        raise ValidationError({"current_password": "The current password is not correct."}) from error
    try:
        password_validation.validate_password(new, user)
    except ValidationError as error:
        raise ValidationError({"new_password": error.messages}) from error
    user.set_password(new)
    user.save(update_fields=["password"])


def user_delete(*, user: User, password: str, request=None) -> None:
    """Delete the account after the password is re-entered: every row of the user's
    data, every session and every token go. With the request, the check counts toward
    the sign-in lockout (the views always pass it)."""
    if request is not None:
        password_confirm(request=request, user=user, password=password)
    elif not user.check_password(password):
        raise ValidationError({"password": "The password is not correct."})
    with transaction.atomic():
        sessions_end(user=user)
        for model, field in user_owned_models():
            model._default_manager.filter(**{field: user}).delete()
        user.delete()
