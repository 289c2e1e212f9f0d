"""VAPID keys for Web Push: a fresh pair, and the development key file that `make run`
creates on first start so push works from a fresh clone with no configuration.

Production sets VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY in the environment (print a
pair with `manage.py vapid_keys`). Changing the keys invalidates every browser's push
subscription, so the development file is created once and then reused.
"""

import base64
import json
import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

FILE_NAME = "vapid.json"


def _b64u(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def generate() -> dict[str, str]:
    """A P-256 key pair in the forms pywebpush and the browser take: the private key as
    its raw 32 bytes and the public key as the uncompressed point, both base64url."""
    key = ec.generate_private_key(ec.SECP256R1())
    private = key.private_numbers().private_value.to_bytes(32, "big")
    public = key.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return {"public_key": _b64u(public), "private_key": _b64u(private)}


def read(path: Path) -> dict[str, str] | None:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    if isinstance(data, dict) and data.get("public_key") and data.get("private_key"):
        return {"public_key": str(data["public_key"]), "private_key": str(data["private_key"])}
    return None


def ensure(path: Path) -> tuple[dict[str, str], bool]:
    """The pair stored at `path`, created (owner read/write only) when missing.
    Returns (keys, created)."""
    existing = read(path)
    if existing:
        return existing, False
    path.parent.mkdir(parents=True, exist_ok=True)
    keys = generate()
    # O_EXCL with mode 0600: the private key is never readable by others, not even for
    # a moment, and two processes starting together cannot both write a different pair.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        existing = read(path)
        if existing:
            return existing, False
        raise
    with os.fdopen(fd, "w") as handle:
        json.dump(keys, handle)
    return keys, True
