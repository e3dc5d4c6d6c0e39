"""The one settings object: environment variables prefixed PROFITSHARE_ (CONTRACT.md).

Values the dev stack generated live in DATA_DIR/dev.env; an explicitly set
environment variable always wins over that file.
"""

from __future__ import annotations

import ipaddress
import os
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr
from pydantic_settings import (
    BaseSettings,
    DotEnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from domain.webhooks import registry

ENV_PREFIX = "PROFITSHARE_"
DEFAULT_DATA_DIR = Path("./.profitshare")
DEV_ENV_FILE = "dev.env"


class Settings(BaseSettings):
    # "allow": each gateway's variables (declared in its module, see domain/webhooks/
    # registry.py) arrive as extras through _GatewaySource; read them with `gateway_value`.
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="allow")

    data_dir: Path = DEFAULT_DATA_DIR
    database_url: str | None = None
    # The role that owns the schema and runs migrations; DATABASE_URL is then a role that may
    # only INSERT and SELECT the audit log and owns nothing (db/roles.py).
    database_owner_url: str | None = None

    temporal_address: str = "localhost:7233"
    temporal_namespace: str = "default"
    task_queue: str = "profit-share"
    # Workflows kept in worker memory between tasks (0 turns off sticky execution), per
    # process. A cached share costs about 0.2 MB (measured: 170-275 KB, sandboxed or not, most
    # of it the SDK's own per-run state), so the cache, not the number of open shares, bounds
    # a worker's memory: 500 keeps a process under 400 MB however many shares wait.
    worker_max_cached_workflows: int = 500
    # How long a cached workflow's next task waits for its own worker before any worker takes
    # it (and replays the workflow). The SDK's 10 s is a dead-worker detector; under a burst a
    # busy worker leaves its tasks waiting longer than that, and moving them only adds
    # replays (the bench counted them). A worker that dies costs its shares this much delay.
    worker_sticky_task_wait_seconds: float = Field(default=60, gt=0, le=600)
    # Workflow tasks one worker process runs at once. Python runs them on one core, so more
    # slots only make each task slower: past a handful, a burst pushes tasks beyond their 10 s
    # timeout and Temporal hands them out again (issue 20). Queued tasks wait in Temporal.
    worker_workflow_slots: int = 4
    # Shares the API's intake starter lets open at once (api/admission.py), across every
    # worker; the rest of a burst waits, queued in PostgreSQL. A share still has work after it
    # leaves `verifying` (the payment link, the day-0 notice), so more workflows than the
    # window have tasks to run, and they must fit in the workers' caches
    # (worker_max_cached_workflows per process) or every task replays a whole history. With two
    # processes of 500, a window of 400 did not fit (once the caches were full, every task of
    # a burst missed, and it drained at 0.81 of the steady rate); 150 did (no miss, 0.91;
    # session 9). With a smaller cache or fewer processes, lower it; watch
    # temporal_sticky_cache_miss.
    intake_window: int = Field(default=150, ge=1, le=100_000)
    # Temporal's workflow sandbox: a fresh module environment for each workflow a worker starts
    # or replays, in which a call that would break replay (the clock, randomness, I/O) raises.
    # Off by default: it cost the worker about a sixth of its CPU per share (the bench), and
    # what it isolates is already shared (every workflow module is passed through). The tests
    # run every workflow sandboxed, so such a call fails CI, and replay tests catch the rest.
    worker_sandbox: bool = False
    # Activities one worker process runs at once; each may hold a database connection, so
    # this is also the worker's pool size (no activity ever waits for a connection).
    worker_activity_slots: int = 16
    # Worker processes `profitshare worker` starts (the dev stack: one per core).
    worker_processes: int = 1
    # Where a worker serves the Temporal SDK's Prometheus metrics; unset: not served.
    worker_metrics_port: int | None = None
    # A Temporal cluster with mTLS (paths to PEM files) or Temporal Cloud with an API key.
    temporal_tls_cert: Path | None = None
    temporal_tls_key: Path | None = None
    temporal_tls_ca: Path | None = None
    temporal_tls_server_name: str | None = None
    temporal_api_key: SecretStr | None = None

    api_port: int = 8000
    # Database connections an API process keeps open. A request holds one at a time (the
    # rate-limit count, then its own transaction); past the pool, up to 20 more are opened and
    # closed per request, and opening one cost the API a tenth of its CPU under load (bench).
    api_db_pool_size: int = Field(default=32, ge=1, le=200)
    temporal_ui_port: int = 8233
    emulator_port: int = 8010

    bootstrap_tokens: SecretStr | None = None
    fernet_keys: SecretStr | None = None
    hash_key: SecretStr | None = None
    codec_key: SecretStr | None = None
    # Payloads reaching the worker unencrypted are refused (dropped, never applied) unless
    # this is true: only for tests or tools that write plain payloads on purpose.
    codec_allow_plaintext: bool = False
    # Dev stack only: the local Temporal UI (no login, so no token) may use the codec endpoint.
    codec_trust_local_ui: bool = False
    # The one browser origin allowed to call the codec endpoints (CORS): the Temporal UI's.
    temporal_ui_origin: str | None = None

    # CIDRs whose X-Forwarded-For is believed (comma-separated); none: the peer is the source.
    trusted_proxies: str = ""
    # Rate limits (`limits` notation, e.g. "600/minute"), shared by every API process.
    rate_limit_per_token: str = "20000/minute"
    rate_limit_per_ip: str = "20000/minute"
    rate_limit_webhooks: str = "10000/minute"  # per gateway path
    # How often the API re-checks PhonePe v2 payments still waiting for Order Status, and
    # for how long before giving up (with an ops alert).
    phonepe_confirm_every_seconds: float = 60.0
    phonepe_confirm_for_hours: float = 24.0

    backend_webhook_url: str | None = None
    backend_webhook_secret: SecretStr | None = None

    exchange_base_url: str | None = None
    # "<amount> <currency>": a session whose profit is above this, converted through FX into
    # the session's currency, goes to review.
    review_limit: str = "10000 USD"
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
    # Where PhonePe's checkout page sends the user after paying (the platform's page).
    phonepe_redirect_url: str = "https://example.invalid/paid"

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

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        gateway = _GatewaySource(settings_cls, dotenv_settings)
        return init_settings, env_settings, gateway, dotenv_settings, file_secret_settings

    def gateway_value(self, name: str) -> str | None:
        """A gateway's setting (e.g. "razorpay_webhook_secret") as plain text; None if unset."""
        value = getattr(self, name, None) if name in type(self).model_fields else None
        if value is None and self.model_extra:
            value = self.model_extra.get(name)
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        return str(value) if value not in (None, "") else None

    def gateway_credentials(self) -> dict[str, str | None]:
        """Every registered gateway's settings by name: what their verifiers are given."""
        names = {s.name for g in registry.gateways() for s in g.settings}
        return {name: self.gateway_value(name) for name in names}

    def check_gateways(self) -> None:
        """Refuses a half-configured gateway (once any of its variables is set, every required
        one must be: PhonePe v2 callbacks cannot be confirmed without the client) and an
        allowlist or proxy list that is not CIDRs."""
        for gateway in registry.gateways():
            given = [s for s in gateway.settings if self.gateway_value(s.name) is not None]
            missing = [s.env for s in gateway.settings if s.required and s not in given]
            if given and missing:
                raise ValueError(f"{gateway.title or gateway.name} also needs {', '.join(missing)}")
        ranges = {"TRUSTED_PROXIES": self.trusted_proxies}
        for path in registry.paths():
            name = f"webhook_allowed_ips_{path}"
            ranges[name.upper()] = self.gateway_value(name) or ""
        for variable, cidrs in ranges.items():  # a typo must not open (or shut) the door
            for item in filter(None, (c.strip() for c in cidrs.split(","))):
                try:
                    ipaddress.ip_network(item, strict=False)
                except ValueError:
                    raise ValueError(f"{ENV_PREFIX}{variable}: {item!r} is not a CIDR") from None

    @property
    def review_limit_amount(self) -> tuple[Decimal, str]:
        """REVIEW_LIMIT parsed: ("10000 USD") -> (Decimal("10000"), "USD")."""
        amount, _, currency = self.review_limit.strip().partition(" ")
        return Decimal(amount), currency.strip().upper()

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


class _GatewaySource(PydanticBaseSettingsSource):
    """Reads the variables the registered gateways declare (and their allowlists), from the
    environment first, then DATA_DIR/dev.env; secrets are wrapped so they never print."""

    def __init__(self, settings_cls: type[BaseSettings], dotenv: PydanticBaseSettingsSource):
        super().__init__(settings_cls)
        self._dotenv = dotenv

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False  # every value comes from __call__

    def __call__(self) -> dict[str, Any]:
        environ: dict[str, str | None] = {k.lower(): v for k, v in os.environ.items()}
        if isinstance(self._dotenv, DotEnvSettingsSource):
            environ = {**{k.lower(): v for k, v in self._dotenv.env_vars.items()}, **environ}
        values: dict[str, Any] = {}
        for gateway in registry.gateways():
            wanted = [(s.name, s.secret) for s in gateway.settings]
            for name, secret in [*wanted, (gateway.allowlist_setting, False)]:
                value = environ.get(f"{ENV_PREFIX.lower()}{name}")
                if value:
                    values[name] = SecretStr(value) if secret else value
        return values


def load_settings(**overrides: Any) -> Settings:
    """Settings from the environment, falling back to DATA_DIR/dev.env."""
    data_dir = Path(os.environ.get(f"{ENV_PREFIX}DATA_DIR", DEFAULT_DATA_DIR))
    env_file = data_dir / DEV_ENV_FILE
    return Settings(_env_file=env_file if env_file.exists() else None, **overrides)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()
