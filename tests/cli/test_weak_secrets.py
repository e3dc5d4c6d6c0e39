"""Every process refuses to start on a weak secret: one line naming the variable, exit non-zero.

Each process runs as an operator starts it (`python -m cli.main ...`), with otherwise good
settings, so the refusal is the first thing it does, before it connects anywhere.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys

import pytest
from cryptography.fernet import Fernet

from config.secret_check import WeakSecret, check_settings
from config.settings import Settings

PROCESSES = {
    "api": ["api"],
    "worker": ["worker"],
    "audit verify": ["audit", "verify"],
    "token create": ["token", "create", "--role", "ops"],
    "keys rotate": ["keys", "rotate"],
}
GOOD = {
    "DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none",
    "TEMPORAL_ADDRESS": "127.0.0.1:1",
    "FERNET_KEYS": Fernet.generate_key().decode(),
    "HASH_KEY": secrets.token_urlsafe(32),
    "CODEC_KEY": secrets.token_urlsafe(32),
    "BOOTSTRAP_TOKENS": f"ops:ps_ops_{secrets.token_urlsafe(24)}",
}
WEAK = {
    "a blank HASH_KEY": ({"HASH_KEY": ""}, "PROFITSHARE_HASH_KEY is blank"),
    # deploy/production.env.example's own placeholder
    "a placeholder token": (
        {"BOOTSTRAP_TOKENS": "backend:replace-me,ops:replace-me-too"},
        "PROFITSHARE_BOOTSTRAP_TOKENS is a placeholder",
    ),
}


def _run(tmp_path, command: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    values = {**GOOD, **env, "DATA_DIR": str(tmp_path)}
    clean = {k: v for k, v in os.environ.items() if not k.startswith("PROFITSHARE_")}
    return subprocess.run(
        [sys.executable, "-m", "cli.main", *command],
        env={**clean, **{f"PROFITSHARE_{k}": v for k, v in values.items()}},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize("weak", WEAK)
@pytest.mark.parametrize("process", PROCESSES)
def test_each_process_refuses_to_start(tmp_path, process, weak):
    env, says = WEAK[weak]
    done = _run(tmp_path, PROCESSES[process], env)
    assert done.returncode != 0
    [line] = done.stderr.strip().splitlines()
    assert line.startswith(f"profitshare: refusing to start: {says}")


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("hash_key", "a1b2c3d4e5f6", "too short"),
        ("hash_key", "changeme" * 5, "placeholder"),
        ("codec_key", "  ", "blank"),
        ("fernet_keys", "x" * 44, "placeholder"),
        ("fernet_keys", secrets.token_urlsafe(33), "no Fernet key"),
        ("razorpay_webhook_secret", "placeholder-secret", "placeholder"),
        ("standard_webhook_secret", "whsec_abc", "too short"),
    ],
)
def test_what_counts_as_weak(name, value, says):
    settings = Settings(**{**{k.lower(): v for k, v in GOOD.items()}, name: value})
    with pytest.raises(WeakSecret, match=says):
        check_settings(settings)


def test_generated_secrets_pass():
    check_settings(Settings(**{k.lower(): v for k, v in GOOD.items()}))
