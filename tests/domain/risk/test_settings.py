from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from domain.risk import DEFAULT_FRAUD_SETTINGS, FraudSettings, RuleWeights
from domain.risk.settings import changed_fields


def error_locs(**fields: Any) -> list[tuple[int | str, ...]]:
    with pytest.raises(ValidationError) as caught:
        FraudSettings(**fields)
    return [error["loc"] for error in caught.value.errors()]


def test_defaults_follow_design() -> None:
    s = DEFAULT_FRAUD_SETTINGS
    assert (s.alert_threshold, s.block_threshold, s.auto_suspend_threshold) == (40, 70, 90)
    assert not s.auto_suspend_enabled
    assert (s.weights.vpn, s.weights.proxy, s.weights.tor, s.weights.datacenter) == (30, 25, 50, 20)
    assert (s.vpn_blocks, s.proxy_blocks, s.tor_blocks) == (False, True, True)
    assert s.max_accounts_per_device == 3
    assert (s.stale_intel_days, s.stale_intel_weight_factor) == (30, Decimal("0.5"))


def test_round_trips_as_a_json_document() -> None:
    custom = FraudSettings(whitelisted_ips=["10.0.0.0/8"], weights=RuleWeights(vpn=10))
    assert FraudSettings.model_validate_json(custom.model_dump_json()) == custom


@pytest.mark.parametrize(
    ("fields", "loc"),
    [
        ({"alert_threshold": 70}, ("block_threshold",)),  # alert >= block
        ({"alert_threshold": 80, "block_threshold": 70}, ("block_threshold",)),
        ({"block_threshold": 95}, ("auto_suspend_threshold",)),
        ({"alert_threshold": -1}, ("alert_threshold",)),
        ({"auto_suspend_threshold": 101}, ("auto_suspend_threshold",)),
        ({"weights": {"vpn": 101}}, ("weights", "vpn")),
        ({"weights": {"tor": -1}}, ("weights", "tor")),
        ({"weights": {"typo": 1}}, ("weights", "typo")),
        ({"max_accounts_per_device": 0}, ("max_accounts_per_device",)),
        ({"velocity_signups_per_ip_hour": 0}, ("velocity_signups_per_ip_hour",)),
        ({"profit_outlier_factor": "0.5"}, ("profit_outlier_factor",)),
        ({"stale_intel_weight_factor": "1.5"}, ("stale_intel_weight_factor",)),
        ({"whitelisted_ips": ["10.0.0.0/8", "10.0.0.0/33"]}, ("whitelisted_ips", 1)),
        ({"whitelisted_ips": ["not-an-ip"]}, ("whitelisted_ips", 0)),
        ({"whitelisted_users": ["u 1"]}, ("whitelisted_users", 0)),
        ({"unknown_setting": True}, ("unknown_setting",)),
    ],
)
def test_invalid_settings_name_the_field(fields: dict[str, Any], loc: tuple[Any, ...]) -> None:
    assert error_locs(**fields) == [loc]


def test_threshold_messages_say_what_to_change() -> None:
    with pytest.raises(ValidationError, match="greater than alert_threshold \\(70\\)"):
        FraudSettings(alert_threshold=70)


def test_cidr_with_host_bits_is_refused() -> None:
    with pytest.raises(ValidationError, match="host bits set"):
        FraudSettings(whitelisted_ips=["10.0.0.1/8"])


def test_valid_edges_are_accepted() -> None:
    FraudSettings(alert_threshold=0, block_threshold=1, auto_suspend_threshold=1)
    FraudSettings(alert_threshold=99, block_threshold=100, auto_suspend_threshold=100)
    FraudSettings(whitelisted_ips=["203.0.113.7", "2001:db8::/32", "::ffff:0:0/96"])
    FraudSettings(weights=RuleWeights(vpn=0, tor=100))


def test_settings_are_frozen() -> None:
    with pytest.raises(ValidationError):
        DEFAULT_FRAUD_SETTINGS.alert_threshold = 10  # type: ignore[misc]


def test_changed_fields_name_what_differs() -> None:
    changed = FraudSettings(
        alert_threshold=30, weights=RuleWeights(vpn=10, tor=60), whitelisted_users=["u_1"]
    )
    assert changed_fields(DEFAULT_FRAUD_SETTINGS, changed) == [
        "alert_threshold",
        "weights.vpn",
        "weights.tor",
        "whitelisted_users",
    ]
    assert changed_fields(changed, changed) == []
