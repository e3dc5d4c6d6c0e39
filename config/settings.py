"""The one settings object: environment variables prefixed PROFITSHARE_ (CONTRACT.md).

Values the dev stack generated live in DATA_DIR/dev.env; an explicitly set
environment variable always wins over that file.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

ENV_PREFIX = "PROFITSHARE_"
DEFAULT_DATA_DIR = Path("./.profitshare")
DEV_ENV_FILE = "dev.env"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore")

    data_dir: Path = DEFAULT_DATA_DIR
    database_url: str | None = None

    temporal_address: str = "localhost:7233"
    temporal_namespace: str = "default"
    task_queue: str = "profit-share"
    # Workflows kept in worker memory between tasks (0 turns off sticky execution).
    worker_max_cached_workflows: int = 1000
    # Where a worker serves the Temporal SDK's Prometheus metrics; unset: not served.
    worker_metrics_port: int | None = None
    # A Temporal cluster with mTLS (paths to PEM files) or Temporal Cloud with an API key.
    temporal_tls_cert: Path | None = None
    temporal_tls_key: Path | None = None
    temporal_tls_ca: Path | None = None
    temporal_tls_server_name: str | None = None
    temporal_api_key: SecretStr | None = None

    api_port: int = 8000
    temporal_ui_port: int = 8233
    emulator_port: int = 8010

    bootstrap_tokens: SecretStr | None = None
    fernet_keys: SecretStr | None = None
    hash_key: SecretStr | None = None
    codec_key: SecretStr | None = None
    # Dev stack only: the local Temporal UI (no login, so no token) may use the codec endpoint.
    codec_trust_local_ui: bool = False
    # The one browser origin allowed to call the codec endpoints (CORS): the Temporal UI's.
    temporal_ui_origin: str | None = None

    razorpay_webhook_secret: SecretStr | None = None
    cashfree_client_secret: SecretStr | None = None
    phonepe_salt_key: SecretStr | None = None
    phonepe_salt_index: str | None = None
    phonepe_callback_username: SecretStr | None = None
    phonepe_callback_password: SecretStr | None = None
    standard_webhook_secret: SecretStr | None = None

    backend_webhook_url: str | None = None
    backend_webhook_secret: SecretStr | None = None

    exchange_base_url: str | None = None
    billing_currency: str | None = None
    # Where FX rates come from: "fixed" (dev table), "ccxt:<exchange_id>" (that exchange's
    # ticker) or "http:<url>" ({base} and {quote} in the URL are filled in).
    fx_source: str = "fixed"
    # A rate whose source timestamp is older than this is refused (sources without one pass).
    fx_max_age_seconds: int = 900
    fx_exchange_base_url: str | None = None
    # Dotted paths into the HTTP source's JSON, e.g. "rates.{quote}" and "time_last_update_unix".
    fx_http_rate_path: str = "rate"
    fx_http_timestamp_path: str | None = None

    # Payment links; unset key id: shares get no link.
    razorpay_key_id: str | None = None
    razorpay_key_secret: SecretStr | None = None
    razorpay_api_base_url: str = "https://api.razorpay.com"
    razorpay_link_valid_days: int = 90

    # The email/SMS provider; unset: notifications are only logged.
    notifier_url: str | None = None
    notifier_token: SecretStr | None = None
    # "per_session" charges every profitable session; "high_water_mark" carries losses forward.
    fee_basis: Literal["per_session", "high_water_mark"] = "per_session"

    # Offline IP lists (tor.txt, vpn.txt, proxy.txt, datacenter.txt); unset: DATA_DIR/ip-intel,
    # and the small sample lists shipped with the code while that directory holds none.
    ip_intel_dir: Path | None = None
    # Where the scheduled refresh downloads each list from, as JSON: {"tor": "https://..."}.
    ip_intel_sources: dict[Literal["tor", "vpn", "proxy", "datacenter"], str] = {}
    # Email-domain lists refreshed by the same schedule, as JSON: {"disposable": "https://..."};
    # written beside the IP lists (disposable.txt, suspicious.txt), winning over the shipped ones.
    email_list_sources: dict[Literal["disposable", "suspicious"], str] = {}

    # Retention (briefs 002, 004), in days; the daily `retention-daily` schedule enforces the
    # first five. Transactions and the audit log are kept at least as long as the last two
    # and are never deleted by the sweep (the audit log refuses DELETE).
    retention_risk_decisions_days: int = Field(default=365, ge=1)
    retention_ip_days: int = Field(default=90, ge=1)
    retention_device_days: int = Field(default=365, ge=1)
    retention_notifications_days: int = Field(default=365, ge=1)
    retention_screenshots_days: int = Field(default=180, ge=1)
    retention_transactions_days: int = Field(default=7 * 365 + 2, ge=1)
    retention_audit_days: int = Field(default=10 * 365 + 3, ge=1)
    # No payment applied for this long raises the `PaymentsQuiet` alert (deploy/alerts.yml).
    payment_quiet_period_seconds: int = Field(default=6 * 3600, ge=60)

    @property
    def dev_env_path(self) -> Path:
        return self.data_dir / DEV_ENV_FILE

    @property
    def ui_origin(self) -> str:
        return self.temporal_ui_origin or f"http://localhost:{self.temporal_ui_port}"

    @property
    def ip_intel_path(self) -> Path:
        return self.ip_intel_dir or self.data_dir / "ip-intel"

    def bootstrap_token_pairs(self) -> list[tuple[str, str]]:
        """`role:token,role:token` -> [(role, token)]."""
        if self.bootstrap_tokens is None:
            return []
        pairs = []
        for item in self.bootstrap_tokens.get_secret_value().split(","):
            role, sep, token = item.strip().partition(":")
            if sep and role and token:
                pairs.append((role.strip(), token.strip()))
        return pairs


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment, falling back to DATA_DIR/dev.env."""
    data_dir = Path(os.environ.get(f"{ENV_PREFIX}DATA_DIR", DEFAULT_DATA_DIR))
    env_file = data_dir / DEV_ENV_FILE
    return Settings(_env_file=env_file if env_file.exists() else None, **overrides)  # type: ignore[call-arg]


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()
