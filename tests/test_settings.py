"""Settings as the environment sets them, each in a fresh interpreter (settings are
read once per process)."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION_SECRET = "x7Qp2v9LmZr4Tb8Wc1Nd6Hf3Jk5Sg0Ya-Ue_Ri^Oo!Ip@As#Dl$Fm%Gn&Hq*Jt"


def run(args: list[str], tmp_path, **env) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "CELERY_BROKER_URL", "DJANGO_ENV", "DJANGO_ALLOW_ASYNC_UNSAFE")
    }
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env={**clean, "VAR_DIR": str(tmp_path / "var"), **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


# The production deploy check itself is in tests/security/test_headers.py.


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    result = run(["manage.py", "check"], tmp_path, DJANGO_ENV="production", SECRET_KEY="", ALLOWED_HOSTS="x")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


SHOW = """
import django, json, os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")
django.setup()
from django.conf import settings
from django.db import connection
with connection.cursor() as cursor:
    cursor.execute("PRAGMA journal_mode") if connection.vendor == "sqlite" else cursor.execute("SELECT 'n/a'")
    journal = cursor.fetchone()[0]
print(json.dumps({
    "engine": settings.DATABASES["default"]["ENGINE"],
    "options": settings.DATABASES["default"].get("OPTIONS", {}),
    "journal": journal,
    "broker": settings.CELERY_BROKER_URL,
    "transport": settings.CELERY_BROKER_TRANSPORT_OPTIONS,
}))
"""


def test_without_database_url_sqlite_runs_in_wal_mode_with_immediate_transactions(tmp_path):
    result = run(["-c", SHOW], tmp_path)
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout.strip().splitlines()[-1])
    assert shown["engine"] == "django.db.backends.sqlite3"
    assert shown["options"]["transaction_mode"] == "IMMEDIATE"
    assert shown["journal"] == "wal"
    assert (tmp_path / "var" / "db.sqlite3").exists()


def test_without_a_broker_url_the_filesystem_broker_folders_are_created(tmp_path):
    result = run(["-c", SHOW], tmp_path)
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout.strip().splitlines()[-1])
    assert shown["broker"].startswith("filesystem://")
    for option in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
        folder = Path(shown["transport"][option])
        assert folder.is_dir(), option
        assert folder.is_relative_to(tmp_path / "var")


KEY = """
import os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")
import django
django.setup()
from django.conf import settings
print(settings.SECRET_KEY)
"""


def test_development_makes_a_random_secret_key_once_per_var_folder(tmp_path):
    first = run(["-c", KEY], tmp_path, SECRET_KEY="")
    assert first.returncode == 0, first.stderr
    key = first.stdout.strip()
    assert len(key) >= 50 and "development" not in key
    stored = tmp_path / "var" / "secret_key"
    assert stored.read_text().strip() == key
    assert stored.stat().st_mode & 0o077 == 0  # readable by its owner only
    # The web server, worker and beat of `make run` read the same key...
    assert run(["-c", KEY], tmp_path, SECRET_KEY="").stdout.strip() == key
    # ...and another checkout has its own.
    other = run(["-c", KEY], tmp_path / "other", SECRET_KEY="").stdout.strip()
    assert other and other != key
    source = (ROOT / "tracker" / "settings.py").read_text()
    assert "development-only-secret-key" not in source
