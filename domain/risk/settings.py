"""Fraud settings: thresholds, rule weights and limits (defaults from DESIGN.md).

Admins edit this document through the API; validation errors carry the field's location,
which the API returns as a 422.
"""

from __future__ import annotations

import ipaddress
from decimal import Decimal
from typing import Annotated

from pydantic import AfterValidator, Field, ValidationInfo, field_validator

from domain.models import Model
from domain.types import Identifier

Score = Annotated[int, Field(ge=0, le=100)]
Weight = Annotated[int, Field(ge=0, le=100)]
Limit = Annotated[int, Field(ge=1)]


def _network(value: str) -> str:
    # strict: "10.0.0.1/8" is more likely a typo than a wish to trust all of 10/8.
    try:
        ipaddress.ip_network(value.strip(), strict=True)
    except ValueError as exc:
        raise ValueError(f"not a valid IP address or CIDR: {exc}") from None
    return value.strip()


Cidr = Annotated[str, AfterValidator(_network)]


class RuleWeights(Model):
    """Points each rule adds to the score when it fires."""

    vpn: Weight = 30
    proxy: Weight = 25
    tor: Weight = 50
    datacenter: Weight = 20
    device_over_limit: Weight = 40
    # 2-3 accounts on one device: a medium alert (the brief) whatever the score; no points by
    # default, so a family's shared phone never tips another finding into a block.
    device_shared: Weight = 0
    shared_api_key: Weight = 60
    linked_overdue_debt: Weight = 80
    signups_per_device: Weight = 25
    signups_per_ip: Weight = 20
    competition_entries: Weight = 20
    profit_claims: Weight = 20
    profit_outlier: Weight = 25
    disposable_email: Weight = 30
    suspicious_email: Weight = 15


class FraudSettings(Model):
    alert_threshold: Score = 40
    # validate_default: the cross-checks below must run even when only the alert is changed.
    block_threshold: Score = Field(default=70, validate_default=True)
    auto_suspend_enabled: bool = False
    auto_suspend_threshold: Score = Field(default=90, validate_default=True)

    weights: RuleWeights = Field(default_factory=RuleWeights)

    # The brief's switches: off, the check neither runs nor (for devices) stores anything.
    device_fingerprinting_enabled: bool = True
    multi_account_detection_enabled: bool = True
    vpn_detection_enabled: bool = True
    email_screening_enabled: bool = True

    # Up to this many accounts on one device alert (2-3 in the brief); more block.
    max_accounts_per_device: Limit = 3
    # Velocity limits: how many events the window allows; the next one fires the rule.
    # Per device stricter than the brief's 10 an hour: a device is one person, and a family
    # sharing a phone signs up a few accounts, not four within the hour.
    velocity_signups_per_device_hour: Limit = 3
    # The brief's defaults: 10 sign-ups an hour from one address (a campus or office NAT
    # shares one), 50 competition entries an hour per user.
    velocity_signups_per_ip_hour: Limit = 10
    competition_entries_per_hour: Limit = 50
    profit_claims_per_user_day: Limit = 20
    # A claim above this many times the user's median past profit is an outlier. Not bounded
    # above: the rule divides (domain/risk/rules.py), so any factor fits, and a bound added
    # now would make a version saved before it fail to load, and every assessment with it.
    profit_outlier_factor: Decimal = Field(default=Decimal(10), ge=1, allow_inf_nan=False)

    # VPNs are common among honest users, so by default one raises an alert (whatever the
    # score) but never a block; proxies and Tor hide who is behind them and block outright.
    vpn_alerts: bool = True
    vpn_blocks: bool = False
    proxy_blocks: bool = True
    tor_blocks: bool = True

    whitelisted_users: list[Identifier] = []
    whitelisted_ips: list[Cidr] = []

    # IP lists go stale quickly (addresses are reassigned), so old intel counts for less.
    stale_intel_days: Limit = 30
    stale_intel_weight_factor: Decimal = Field(
        default=Decimal("0.5"), ge=0, le=1, allow_inf_nan=False
    )

    # Checked per field (fields validate in declaration order), not in a model validator,
    # so the error's location names the field the admin has to change.
    @field_validator("block_threshold")
    @classmethod
    def _block_above_alert(cls, value: int, info: ValidationInfo) -> int:
        alert = info.data.get("alert_threshold")
        if alert is not None and value <= alert:
            raise ValueError(f"must be greater than alert_threshold ({alert})")
        return value

    @field_validator("auto_suspend_threshold")
    @classmethod
    def _suspend_at_or_above_block(cls, value: int, info: ValidationInfo) -> int:
        block = info.data.get("block_threshold")
        if block is not None and value < block:
            raise ValueError(f"must be at least block_threshold ({block})")
        return value


DEFAULT_FRAUD_SETTINGS = FraudSettings()


def changed_fields(before: FraudSettings, after: FraudSettings) -> list[str]:
    """Dotted names of the settings that differ (`weights.vpn`), for the change history."""
    old, new = before.model_dump(mode="json"), after.model_dump(mode="json")
    changed = []
    for name in new:
        if isinstance(new[name], dict):
            changed += [f"{name}.{key}" for key in new[name] if new[name][key] != old[name][key]]
        elif new[name] != old[name]:
            changed.append(name)
    return changed
