"""The installable app: the web app manifest, the service worker (rendered, so it
names the current static files and changes when they do) and the offline page."""

import hashlib
import json
from functools import lru_cache

from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.http import require_safe

from tracker.pwa.icons import THEME_COLOUR

APP_NAME = "Cramp & hydration tracker"
SHORT_NAME = "Cramp tracker"
# What the app needs to open with no connection: styles, scripts, icons.
SHELL_STATIC = [
    "vendor/pico-2.1.1.min.css",
    "css/app.css",
    "pwa/pwa.css",
    "vendor/htmx-2.0.11.min.js",
    "js/app.js",
    "pwa/pwa.js",
    "pwa/queue.js",
    "pwa/offline.js",
    "reminders/notify.js",
    "reminders/push.js",
    "pwa/icon-192.png",
]
# Pages kept for offline use (the latest copy seen online): where a drink, a cramp or a
# check-in is logged. Other pages offline show the offline page.
OFFLINE_PAGES = ["today", "cramp", "checkin"]


@require_safe
def manifest(request):
    icons = [
        {"src": static(f"pwa/icon-{size}.png"), "sizes": f"{size}x{size}", "type": "image/png", "purpose": "any"}
        for size in (192, 512)
    ] + [
        {
            "src": static(f"pwa/icon-maskable-{size}.png"),
            "sizes": f"{size}x{size}",
            "type": "image/png",
            "purpose": "maskable",
        }
        for size in (192, 512)
    ]
    data = {
        "id": "/",
        "name": APP_NAME,
        "short_name": SHORT_NAME,
        "description": "Log cramps and drinks in a tap, get hydration reminders, read weekly reports.",
        "lang": "en-GB",
        "start_url": reverse("today"),
        "scope": "/",
        "display": "standalone",
        "orientation": "portrait",
        "background_color": "#ffffff",
        "theme_color": THEME_COLOUR,
        "icons": icons,
        "shortcuts": [
            {"name": "Log a cramp", "short_name": "Cramp", "url": reverse("cramp")},
            {"name": "Daily check-in", "short_name": "Check-in", "url": reverse("checkin")},
        ],
    }
    return JsonResponse(data, content_type="application/manifest+json")


@lru_cache(maxsize=1)
def _worker_source() -> tuple[str, str]:
    shell = [static(name) for name in SHELL_STATIC]
    context = {
        "shell": json.dumps([*shell, reverse("offline")]),
        "pages": json.dumps([reverse(name) for name in OFFLINE_PAGES]),
        "offline_url": json.dumps(reverse("offline")),
        "logout_url": json.dumps(reverse("logout")),
        "static_prefix": json.dumps(static("")),
        "queue_script": json.dumps(static("pwa/queue.js")),
        "me_url": json.dumps(reverse("api-me")),
    }
    body = render_to_string("pwa/sw.js", context)
    # The cache name changes with the worker's text, which names every static file by
    # its (hashed, in production) URL: a deploy replaces the old shell.
    version = hashlib.sha256(body.encode()).hexdigest()[:12]
    return body.replace("__VERSION__", version), version


@require_safe
def service_worker(request):
    body, _ = _worker_source()
    response = HttpResponse(body, content_type="application/javascript")
    response["Service-Worker-Allowed"] = "/"
    # Browsers check for a new worker at most daily anyway; no-cache makes it each load.
    response["Cache-Control"] = "no-cache"
    return response


@require_safe
def offline(request):
    return render(request, "pwa/offline.html")
