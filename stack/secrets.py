"""Secrets the dev stack generates once and keeps in DATA_DIR/dev.env."""

from __future__ import annotations

import base64
import secrets
from collections.abc import Mapping
from pathlib import Path

from cryptography.fernet import Fernet

from config.settings import ENV_PREFIX
from db.tokens import ROLES, new_token


def generated() -> dict[str, str]:
    """Fresh values for every secret the stack needs; only missing ones are used."""
    tokens = ",".join(f"{role}:{new_token(role)}" for role in ROLES)
    return {
        "FERNET_KEYS": Fernet.generate_key().decode(),
        "HASH_KEY": secrets.token_urlsafe(32),
        "CODEC_KEY": secrets.token_urlsafe(32),
        "BOOTSTRAP_TOKENS": tokens,
        "STANDARD_WEBHOOK_SECRET": "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode(),
        "RAZORPAY_WEBHOOK_SECRET": secrets.token_urlsafe(24),
        "CASHFREE_CLIENT_SECRET": secrets.token_urlsafe(24),
        "PHONEPE_SALT_KEY": secrets.token_urlsafe(24),
        "PHONEPE_SALT_INDEX": "1",
        "PHONEPE_CALLBACK_USERNAME": "phonepe",
        "PHONEPE_CALLBACK_PASSWORD": secrets.token_urlsafe(18),
    }


def read_env_file(path: Path) -> dict[str, str]:
    values: dict[str, str] = {}
    if path.exists():
        for line in path.read_text().splitlines():
            key, sep, value = line.partition("=")
            if sep and not line.lstrip().startswith("#"):
                values[key.strip().removeprefix(ENV_PREFIX)] = value.strip()
    return values


def write_env_file(path: Path, values: Mapping[str, str]) -> None:
    lines = ["# Written by `profitshare dev`: values it generated. Explicit variables win."]
    lines += [f"{ENV_PREFIX}{key}={value}" for key, value in sorted(values.items())]
    path.write_text("\n".join(lines) + "\n")
    path.chmod(0o600)
