"""Secrets the dev stack generates once and keeps in DATA_DIR/dev.env."""

from __future__ import annotations

import base64
import secrets
from collections.abc import Mapping
from pathlib import Path

from cryptography.fernet import Fernet

from config.settings import ENV_PREFIX
from db.tokens import ROLES, new_token
from domain.webhooks import registry


def generated(emulator_url: str = "http://127.0.0.1:8010") -> dict[str, str]:
    """Fresh values for every secret the stack needs; only missing ones are used. Every
    registered gateway gets its settings (its module says what the dev stack should use)."""
    tokens = ",".join(f"{role}:{new_token(role)}" for role in ROLES)
    values = {
        "FERNET_KEYS": Fernet.generate_key().decode(),
        "HASH_KEY": secrets.token_urlsafe(32),
        "CODEC_KEY": secrets.token_urlsafe(32),
        "BOOTSTRAP_TOKENS": tokens,
    }
    for gateway in registry.gateways():
        for setting in gateway.settings:
            values[setting.name.upper()] = dev_value(setting.dev_value, emulator_url)
    return values


def dev_value(template: str, emulator_url: str) -> str:
    if template == "{token}":
        return secrets.token_urlsafe(24)
    if template == "{whsec}":
        return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()
    return template.replace("{emulator}", emulator_url)


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
