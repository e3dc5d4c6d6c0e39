"""Refuse to start on weak secrets: blank, short or placeholder keys, tokens and gateway secrets.

Every process that holds secrets (api, worker, the CLI's database commands) calls
`refuse_weak_secrets` before it does anything else; a weak value stops it with one line
naming the variable, and a non-zero exit. A secret that is not set is not checked here:
whoever needs it says so (runtime/deps.py `require`), and an unused gateway stays unset.
"""

from __future__ import annotations

import sys

from cryptography.fernet import Fernet
from pydantic import SecretStr

from config.settings import ENV_PREFIX, Settings
from domain.webhooks import registry

# Fewer characters than this is not a secret of ours: the dev stack generates 32+ bytes.
MIN_KEY_CHARS = 32
MIN_TOKEN_CHARS = 24
MIN_GATEWAY_SECRET_CHARS = 16
# Values copied from an example or left for later (deploy/production.env.example says these).
PLACEHOLDERS = (
    "change-me",
    "changeme",
    "change_me",
    "replace-me",
    "replaceme",
    "replace_me",
    "placeholder",
    "example",
    "your-",
    "your_",
    "dummy",
    "todo",
    "xxxx",
    "<",
)
# Keys every process with a database needs; the codec key is needed to talk to Temporal.
ALWAYS = ("hash_key", "fernet_keys")
WITH_TEMPORAL = (*ALWAYS, "codec_key")
# Secrets outside the gateway registry; each gateway declares its own (domain/webhooks).
OTHER_SECRETS = (
    "razorpay_key_secret",
    "backend_webhook_secret",
    "notifier_token",
    "temporal_api_key",
)


def secret_names() -> tuple[str, ...]:
    """Every secret a process may hold: the registered gateways' and the others."""
    gateways = [s.name for g in registry.gateways() for s in g.settings if s.secret]
    return (*dict.fromkeys(gateways), *OTHER_SECRETS)


class WeakSecret(ValueError):
    pass


def _placeholder(value: str) -> bool:
    lowered = value.lower()
    return any(p in lowered for p in PLACEHOLDERS) or len(set(value)) < 6


def check(name: str, value: str, *, min_chars: int) -> None:
    """Raises WeakSecret naming PROFITSHARE_<NAME> when `value` is blank, short or a placeholder."""
    variable = f"{ENV_PREFIX}{name.upper()}"
    if not value.strip():
        raise WeakSecret(f"{variable} is blank")
    if _placeholder(value):
        raise WeakSecret(f"{variable} is a placeholder, not a secret")
    if len(value) < min_chars:
        raise WeakSecret(f"{variable} is too short: {len(value)} characters, at least {min_chars}")


def _secret(settings: Settings, name: str) -> str | None:
    if name not in type(settings).model_fields:  # a gateway's, from the registry's settings
        return settings.gateway_value(name)
    value = getattr(settings, name)
    if value is None:
        return None
    return value.get_secret_value() if isinstance(value, SecretStr) else str(value)


def check_settings(settings: Settings, *, needs: tuple[str, ...] = ALWAYS) -> None:
    """Every secret `settings` holds, and the ones in `needs` must be there."""
    for name in needs:
        if _secret(settings, name) is None:
            raise WeakSecret(f"{ENV_PREFIX}{name.upper()} is not set")
    hash_key = _secret(settings, "hash_key")
    if hash_key is not None:
        check("hash_key", hash_key, min_chars=MIN_KEY_CHARS)
    codec_key = _secret(settings, "codec_key")
    if codec_key is not None:
        # One secret string, or `id:base64key,...` (runtime/codec.py): each part checked.
        for part in codec_key.split(",") if ":" in codec_key else [codec_key]:
            check("codec_key", part.partition(":")[2] or part, min_chars=MIN_KEY_CHARS)
    fernet_keys = _secret(settings, "fernet_keys")
    if fernet_keys is not None:
        keys = [k.strip() for k in fernet_keys.split(",")]
        for key in keys:
            check("fernet_keys", key, min_chars=MIN_KEY_CHARS)
            try:
                Fernet(key.encode())
            except ValueError:
                raise WeakSecret(
                    f"{ENV_PREFIX}FERNET_KEYS holds a value that is no Fernet key"
                ) from None
    if settings.bootstrap_tokens is not None:
        raw = settings.bootstrap_tokens.get_secret_value()
        for item in raw.split(","):
            role, sep, token = item.strip().partition(":")
            check("bootstrap_tokens", token if sep else item, min_chars=MIN_TOKEN_CHARS)
    for name in secret_names():
        value = _secret(settings, name)
        if value is not None:
            check(name, value, min_chars=MIN_GATEWAY_SECRET_CHARS)


def refuse_weak_secrets(settings: Settings, *, needs: tuple[str, ...] = ALWAYS) -> None:
    """`check_settings`, or one line on stderr and exit status 2."""
    try:
        check_settings(settings, needs=needs)
    except WeakSecret as weak:
        print(f"profitshare: refusing to start: {weak}", file=sys.stderr)
        raise SystemExit(2) from None
