"""Production settings, security headers, no caching of health data, and logs that
hold ids, never health data."""

import json
import os
import secrets
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.test import Client

from tests.conftest import PASSWORD, token_client
from tests.security.routes import PUBLIC_ROUTES, all_routes

ROOT = Path(__file__).resolve().parents[2]
MARK = "qzx-health-note-5d1c"


def _production_env() -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DEBUG"))}
    env.update(DJANGO_ENV="production", SECRET_KEY=secrets.token_urlsafe(50), ALLOWED_HOSTS="tracker.example.com")
    return env


def test_production_settings_pass_the_deploy_check_with_no_warning():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=_production_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_hashes_with_argon2_and_keeps_cookies_secure():
    code = (
        "import json, django; django.setup(); from django.conf import settings as s;"
        "print(json.dumps({'hasher': s.PASSWORD_HASHERS[0], 'session_secure': s.SESSION_COOKIE_SECURE,"
        "'csrf_secure': s.CSRF_COOKIE_SECURE, 'hsts': s.SECURE_HSTS_SECONDS, 'ssl': s.SECURE_SSL_REDIRECT,"
        "'sql_log': s.LOGGING['loggers']['django.db.backends']['level'], 'debug': s.DEBUG}))"
    )
    env = _production_env() | {"DJANGO_SETTINGS_MODULE": "tracker.settings"}
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values == {
        "hasher": "django.contrib.auth.hashers.Argon2PasswordHasher",
        "session_secure": True,
        "csrf_secure": True,
        "hsts": 31536000,
        "ssl": True,
        # SQL parameters are health data: the query log stays off.
        "sql_log": "WARNING",
        "debug": False,
    }


class _InlineCode(HTMLParser):
    """Collects what a CSP without 'unsafe-inline' would block: inline scripts, on*
    handler attributes and javascript: links."""

    def __init__(self):
        super().__init__()
        self.found: list[str] = []
        self._in_inline_script = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script" and not attrs.get("src") and attrs.get("type", "") in ("", "text/javascript", "module"):
            self._in_inline_script = True
        for name, value in attrs.items():
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}=...>")
            if name in ("href", "src", "action") and (value or "").strip().lower().startswith("javascript:"):
                self.found.append(f"<{tag} {name}=javascript:...>")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_inline_script = False

    def handle_data(self, data):
        if self._in_inline_script and data.strip():
            self.found.append(f"inline <script>: {data.strip()[:60]}")


def _page_routes():
    return [
        r
        for r in all_routes()
        if not r.is_api and not r.is_admin and not r.kwargs and r.name and not r.pattern.endswith((".js", ".svg"))
    ]


def _csp(response) -> dict[str, list[str]]:
    header = response.get("Content-Security-Policy", "")
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


def test_every_page_has_a_strict_csp_and_no_inline_script(alice):
    client = Client()
    client.force_login(alice)
    problems = []
    pages = [r for r in _page_routes() if r.name not in ("logout",)] + ["api-docs"]
    for route in pages:
        name = route if isinstance(route, str) else route.name
        url = "/api/docs/" if name == "api-docs" else f"/{route.pattern}"
        response = client.get(url, follow=True)
        if not response.get("Content-Type", "").startswith("text/html"):
            continue
        csp = _csp(response)
        script_src = csp.get("script-src", csp.get("default-src", []))
        if not script_src or {"'unsafe-inline'", "'unsafe-eval'"} & set(script_src):
            problems.append(f"{url}: script-src {script_src}")
        if csp.get("frame-ancestors") != ["'none'"]:
            problems.append(f"{url}: frame-ancestors {csp.get('frame-ancestors')}")
        parser = _InlineCode()
        parser.feed(response.content.decode())
        problems += [f"{url}: {found}" for found in parser.found]
    assert not problems, "\n".join(problems)


def test_the_api_docs_page_loads_its_script_from_this_site(settings):
    # Served by WhiteNoise from the finders, as `make run` does; tests collect no static files.
    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = True
    client = Client()
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    scripts = [part.split('"')[1] for part in html.split("<script")[1:] if 'src="' in part]
    assert scripts, "the docs page should load Swagger UI from script files"
    for src in scripts:
        assert src.startswith("/"), f"{src} is not served by this site"
        assert client.get(src).status_code == 200, src


def test_hsts_is_sent_over_https(client, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    response = client.get("/login/", secure=True)
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_every_page_and_api_answer_is_no_store(alice):
    browser = Client()
    browser.force_login(alice)
    api = token_client(alice)
    problems = []
    for route in all_routes():
        if route.kwargs or route.is_admin or not route.name or route.name in ("logout",):
            continue
        client = api if route.is_api else browser
        response = client.get(f"/{route.pattern}")
        cache_control = response.get("Cache-Control", "")
        cacheable = route.name in ("api-schema", "api-docs")
        if cacheable == ("no-store" in cache_control):
            problems.append(f"/{route.pattern} ({response.status_code}): Cache-Control {cache_control!r}")
        if not cacheable and response.get("Pragma") != "no-cache":
            problems.append(f"/{route.pattern}: Pragma {response.get('Pragma')!r}")
    # Refusals and errors too: a 404 or 401 page may name what was asked for.
    for response in (Client().get("/api/v1/episodes/"), browser.get("/no-such-page/")):
        if "no-store" not in response.get("Cache-Control", ""):
            problems.append(f"{response.status_code} answer without no-store")
    assert not problems, "\n".join(problems)


def test_static_files_keep_their_cache_lifetime(settings):
    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = True
    response = Client().get("/static/css/app.css")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")


def test_logs_hold_ids_never_health_data(alice, bob, caplog):
    caplog.set_level("DEBUG")
    api = token_client(alice)
    created = api.post(
        "/api/v1/episodes/",
        {
            "started_at": "2026-01-05T03:00:00+01:00",
            "duration_seconds": 60,
            "muscle": "calf",
            "severity": 6,
            "notes": MARK,
        },
        format="json",
    )
    assert created.status_code == 201
    episode_id = created.json()["id"]
    api.post("/api/v1/episodes/", {"notes": MARK, "severity": MARK}, format="json")  # a 400
    api.get(f"/api/v1/episodes/?from={MARK}")  # a bad filter in the query string
    bob_response = token_client(bob).get(f"/api/v1/episodes/{episode_id}/")
    assert bob_response.status_code == 404
    browser = Client()
    browser.post("/login/", {"email": "alice@example.com", "password": f"{PASSWORD}-{MARK}"})

    lines = []
    for record in caplog.records:
        lines.append(record.getMessage())
        lines.append(repr(getattr(record, "args", "")))
    text = "\n".join(lines)
    assert MARK not in text
    refusal = f"refused status=404 method=GET path=/api/v1/episodes/{episode_id}/ user={bob.pk}"
    assert refusal in text


@pytest.mark.parametrize("path", ["/", "/history/", "/api/v1/me/"])
def test_refusals_are_logged_for_anonymous_visitors(client, path, caplog):
    caplog.set_level("INFO", logger="tracker.security")
    client.get(path)
    if path.startswith("/api/"):
        assert f"refused status=401 method=GET path={path} user=-" in caplog.text
    else:
        # Pages answer a login redirect, not a refusal: nothing to log.
        assert "refused" not in caplog.text


def test_every_public_route_named_exists():
    # A stale allow-list entry could later make a new private page with that name public.
    names = {r.name for r in all_routes()}
    assert names >= PUBLIC_ROUTES, PUBLIC_ROUTES - names
