from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from reminders import actions, channel_setup, events, inbox, links, plans
from reminders.forms import CHANNEL_SHORT_LABELS, PlanForm
from reminders.models import Delivery, Notification

RECENT = 20


def _settings_page(request, form, plan, *, new_secret: str = "", status: int = 200):
    deliveries = list(Delivery.objects.for_user(request.user)[:RECENT])
    for delivery in deliveries:
        delivery.channel_label = CHANNEL_SHORT_LABELS.get(delivery.channel, delivery.channel)
    context = {
        "form": form,
        "plan": plan,
        "channel_names": [CHANNEL_SHORT_LABELS[c] for c in plan.channels if c in CHANNEL_SHORT_LABELS],
        "deliveries": deliveries,
        "vapid_public_key": settings.VAPID_PUBLIC_KEY,
        "new_secret": new_secret,
    }
    return render(request, "reminders/settings.html", context, status=status)


@login_required
def plan_settings(request):
    plan = plans.plan_get(user=request.user)
    form = PlanForm(request.POST or None, instance=plan)
    if request.method == "POST" and form.is_valid():
        try:
            plans.plan_update(plan=plan, **{name: form.cleaned_data[name] for name in form.Meta.fields})
        except ValidationError as error:
            for name, errors in error.message_dict.items():
                form.add_error(name if name in form.fields else None, errors)
        else:
            messages.success(request, "Reminder settings saved.")
            return redirect("reminders-settings")
    if request.method == "POST":
        plan.refresh_from_db()  # the summary shows what is saved, not the refused input
    return _settings_page(request, form, plan, status=400 if form.errors else 200)


@login_required
@require_POST
def webhook_secret_rotate(request):
    # The answer to this POST is the only page that shows the secret.
    plan = plans.plan_get(user=request.user)
    secret = channel_setup.webhook_secret_rotate(plan=plan)
    return _settings_page(request, PlanForm(instance=plan), plan, new_secret=secret)


def _back(request, default: str):
    target = request.POST.get("next")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return redirect(target)
    return redirect(default)


@login_required
@require_POST
def test_send(request):
    try:
        rows = events.delivery_test_send(user=request.user)
    except events.SendTooSoon as too_soon:
        # The page again, saying when to try; 429 so scripts and the browser know too.
        messages.error(request, str(too_soon))
        plan = plans.plan_get(user=request.user)
        response = _settings_page(request, plan=plan, form=PlanForm(instance=plan), status=429)
        response["Retry-After"] = str(too_soon.retry_after)
        return response
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        names = ", ".join(CHANNEL_SHORT_LABELS.get(r.channel, r.channel).lower() for r in rows)
        messages.success(request, f"Test reminder on its way ({names}).")
    return _back(request, "reminders-settings")


@login_required
@require_POST
def snooze(request):
    plan = plans.plan_get(user=request.user)
    choice = request.POST.get("for")
    if choice == "hour":
        plans.plan_snooze_for(plan=plan)
        messages.success(request, "Reminders snoozed for an hour.")
    elif choice == "today":
        plans.plan_snooze_rest_of_day(plan=plan)
        messages.success(request, "Reminders snoozed for the rest of today.")
    else:
        plans.plan_snooze(plan=plan, until=None)
        messages.success(request, "Reminders resumed.")
    return redirect("reminders-settings")


@login_required
def notification_list(request):
    if request.method == "POST":
        inbox.notifications_mark_read(user=request.user)
        return redirect("notifications")
    notifications = list(Notification.objects.for_user(request.user)[:50])
    return render(request, "reminders/notifications.html", {"notifications": notifications})


# One-tap links work without a session: the signed token is the authority, and the
# POST can do only the one thing the token names. GET only shows the button, because
# mail scanners open links before people do.
@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def action(request, action, token):
    try:
        request_ = links.action_read(action=action, token=token)
    except links.ActionRefused as refused:
        return render(request, "reminders/action_refused.html", {"reason": str(refused)}, status=400)
    if request.method == "GET":
        question, button = actions.action_prompt(request_)
        return render(request, "reminders/action_confirm.html", {"question": question, "button": button})
    # The service worker posts the link from a notification's button and shows the
    # answer as a short confirmation: it asks for JSON.
    wants_json = "application/json" in request.headers.get("Accept", "")
    try:
        done, text = actions.action_perform(action=action, token=token)
    except links.ActionRefused as refused:
        if wants_json:
            return JsonResponse({"done": False, "text": str(refused)}, status=400)
        return render(request, "reminders/action_refused.html", {"reason": str(refused)}, status=400)
    if wants_json:
        return JsonResponse({"done": done, "text": text})
    return render(request, "reminders/action_done.html", {"done": done, "text": text})


@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token):
    try:
        links.unsubscribe_read(token=token)
    except links.ActionRefused as refused:
        return render(request, "reminders/action_refused.html", {"reason": str(refused)}, status=400)
    if request.method == "POST":
        actions.email_unsubscribe(token=token)
        return render(request, "reminders/action_done.html", {"done": True, "text": "Email reminders are off."})
    return render(request, "reminders/unsubscribe.html", {})
