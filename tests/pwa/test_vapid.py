"""Push out of the box: `make run` makes VAPID keys once (var/vapid.json, 0600), the
settings read them, and `manage.py vapid_keys` prints a pair for production."""

import base64
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings as django_settings
from django.core.management import call_command

from reminders import vapid

BASE = Path(django_settings.BASE_DIR)


def unb64u(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def assert_a_working_pair(public: str, private: str) -> None:
    key = ec.derive_private_key(int.from_bytes(unb64u(private), "big"), ec.SECP256R1())
    point = unb64u(public)
    assert len(point) == 65 and point[0] == 4
    signature = key.sign(b"claims", ec.ECDSA(hashes.SHA256()))
    ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point).verify(
        signature, b"claims", ec.ECDSA(hashes.SHA256())
    )


def test_the_key_file_is_created_private_once_and_reused(tmp_path):
    path = tmp_path / "var" / "vapid.json"
    first, created = vapid.ensure(path)
    assert created
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert_a_working_pair(first["public_key"], first["private_key"])
    again, created_again = vapid.ensure(path)
    assert not created_again and again == first


def test_the_command_prints_a_fresh_pair_for_production(capsys):
    call_command("vapid_keys")
    lines = dict(line.split("=", 1) for line in capsys.readouterr().out.split())
    assert set(lines) == {"VAPID_PUBLIC_KEY", "VAPID_PRIVATE_KEY"}
    assert_a_working_pair(lines["VAPID_PUBLIC_KEY"], lines["VAPID_PRIVATE_KEY"])


def _run(var_dir: Path, *args: str, **env) -> str:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("VAPID_")}
    environment.update(VAR_DIR=str(var_dir), DJANGO_SETTINGS_MODULE="tracker.settings", **env)
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=BASE, env=environment, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_a_fresh_clone_gets_keys_on_first_start_and_the_settings_read_them(tmp_path):
    show = "from django.conf import settings; print(settings.VAPID_PUBLIC_KEY or '-')"
    assert _run(tmp_path, "shell", "--no-imports", "-c", show).strip() == "-"  # nothing configured yet
    assert "created" in _run(tmp_path, "vapid_keys", "--ensure")  # what `make run` does first
    stored = json.loads((tmp_path / "vapid.json").read_text())
    assert _run(tmp_path, "shell", "--no-imports", "-c", show).strip() == stored["public_key"]
    assert "using" in _run(tmp_path, "vapid_keys", "--ensure")  # the second start reuses them
    assert json.loads((tmp_path / "vapid.json").read_text()) == stored
    # Keys in the environment win, and no file is written for them.
    pair = vapid.generate()
    env_dir = tmp_path / "env"
    out = _run(
        env_dir, "vapid_keys", "--ensure", VAPID_PUBLIC_KEY=pair["public_key"], VAPID_PRIVATE_KEY=pair["private_key"]
    )
    assert "environment" in out and not (env_dir / "vapid.json").exists()
