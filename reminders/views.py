from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from reminders import actions, events, inbox, links, plans
from reminders.forms import PlanForm
from reminders.models import Delivery, Notification

RECENT = 20


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
    return _settings_page(request, plan=plan, form=form)


def _settings_page(request, *, plan, form, status=200):
    deliveries = list(Delivery.objects.for_user(request.user)[:RECENT])
    context = {"form": form, "plan": plan, "deliveries": deliveries, "vapid_public_key": settings.VAPID_PUBLIC_KEY}
    return render(request, "reminders/settings.html", context, status=status)


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
        messages.success(request, f"Test reminder on its way ({', '.join(r.channel for r in rows)}).")
    return redirect("reminders-settings")


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
        return render(request, "reminders/action_confirm.html", {"action": action, "request_": request_})
    try:
        done, text = actions.action_perform(action=action, token=token)
    except links.ActionRefused as refused:
        return render(request, "reminders/action_refused.html", {"reason": str(refused)}, status=400)
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


SERVICE_WORKER = Path(__file__).resolve().parent.parent / "static" / "reminders" / "sw.js"


def service_worker(request):
    # Served from the site root so its scope covers every page.
    response = HttpResponse(SERVICE_WORKER.read_text(), content_type="application/javascript")
    response["Service-Worker-Allowed"] = "/"
    response["Cache-Control"] = "no-cache"
    return response
