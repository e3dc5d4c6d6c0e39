from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from domain.ladder import Level
from domain.risk import (
    DEFAULT_FRAUD_SETTINGS,
    RULES,
    LinkedDebt,
    Rule,
    competition_entries,
    device_accounts,
    ip_reputation,
    linked_debt,
    profit_claims,
    profit_outlier,
    shared_api_key,
    signups_per_device,
    signups_per_ip,
)
from tests.domain.risk import TODAY, facts, settings

S = DEFAULT_FRAUD_SETTINGS


def test_no_rule_fires_on_quiet_facts() -> None:
    assert [rule(facts(), S) for rule in RULES] == [None] * len(RULES)


def test_rules_lists_every_rule_once() -> None:
    assert len({rule.__name__ for rule in RULES}) == len(RULES) == 10


def test_device_accounts_two_or_three_alert_medium() -> None:
    # The brief: 2-3 accounts on one device is a medium alert, not a block.
    assert device_accounts(facts(users_on_device=[]), S) is None
    for others in (["u_2"], ["u_2", "u_3"], ["u_2", "u_3", "u_1"]):
        reason = device_accounts(facts(users_on_device=others), S)
        assert reason is not None
        assert (reason.rule, reason.forces_alert, reason.forces_block) == (
            "device_shared",
            True,
            False,
        )


def test_device_checks_switched_off() -> None:
    crowded = facts(users_on_device=["u_2", "u_3", "u_4", "u_5"])
    for switch in ("multi_account_detection_enabled", "device_fingerprinting_enabled"):
        assert device_accounts(crowded, settings(**{switch: False})) is None


def test_device_accounts_over_the_limit_names_the_others() -> None:
    reason = device_accounts(
        facts(device_fingerprint="fp_9", users_on_device=["u_4", "u_2", "u_3"]), S
    )
    assert reason is not None
    assert (reason.rule, reason.points, reason.forces_block) == ("device_accounts", 40, True)
    assert "fp_9" in reason.detail and "4 accounts (limit 3)" in reason.detail
    assert "u_2, u_3, u_4" in reason.detail


def test_shared_api_key() -> None:
    assert shared_api_key(facts(users_with_api_key=["u_1"]), S) is None
    reason = shared_api_key(facts(users_with_api_key=["u_8"]), S)
    assert reason is not None
    assert (reason.rule, reason.points) == ("shared_api_key", 60)
    assert "u_8" in reason.detail


def test_linked_debt_forces_block_and_names_who_owes_what() -> None:
    debts = [
        LinkedDebt(
            user_id="u_9", amount_due=Decimal("150.00"), currency="USDT", level=Level.WARNING
        ),
        LinkedDebt(
            user_id="u_7", amount_due=Decimal("0.00120000"), currency="BTC", level=Level.LOCKED
        ),
    ]
    assert linked_debt(facts(), S) is None
    reason = linked_debt(facts(linked_overdue=debts), S)
    assert reason is not None
    assert (reason.rule, reason.points, reason.forces_block) == ("linked_debt", 80, True)
    assert "u_7 owes 0.00120000 BTC (locked); u_9 owes 150.00 USDT (warning)" in reason.detail


@pytest.mark.parametrize(
    ("kinds", "points", "blocks", "alerts"),
    [
        ({"vpn"}, 30, False, True),
        ({"proxy"}, 25, True, False),
        ({"tor"}, 50, True, False),
        ({"datacenter"}, 20, False, False),
        ({"vpn", "datacenter"}, 50, False, True),
        ({"tor", "vpn", "proxy", "datacenter"}, 125, True, True),
    ],
)
def test_ip_reputation_defaults(kinds: set[str], points: int, blocks: bool, alerts: bool) -> None:
    reason = ip_reputation(facts(ip="203.0.113.7", ip_kinds=kinds, intel_data_as_of=TODAY), S)
    assert reason is not None
    assert (reason.rule, reason.points) == ("ip_reputation", points)
    assert (reason.forces_block, reason.forces_alert) == (blocks, alerts)
    assert reason.detail.startswith("203.0.113.7 is listed as ")
    assert all(kind in reason.detail for kind in kinds)
    assert "stale" not in reason.detail


def test_ip_reputation_flags_follow_settings() -> None:
    vpn = facts(ip_kinds={"vpn"})
    tor = facts(ip_kinds={"tor"})
    assert ip_reputation(vpn, settings(vpn_blocks=True)).forces_block  # type: ignore[union-attr]
    assert not ip_reputation(vpn, settings(vpn_alerts=False)).forces_alert  # type: ignore[union-attr]
    assert not ip_reputation(tor, settings(tor_blocks=False)).forces_block  # type: ignore[union-attr]
    assert ip_reputation(facts(), S) is None


@pytest.mark.parametrize(("age_days", "stale"), [(0, False), (30, False), (31, True), (400, True)])
def test_stale_intel_halves_the_weight_and_says_so(age_days: int, stale: bool) -> None:
    as_of = TODAY - timedelta(days=age_days)
    reason = ip_reputation(facts(ip_kinds={"vpn"}, intel_data_as_of=as_of), S)
    assert reason is not None
    assert reason.points == (15 if stale else 30)
    assert (f"stale intel as of {as_of.isoformat()}" in reason.detail) is stale


def test_stale_intel_rounds_half_points_up() -> None:
    old = TODAY - timedelta(days=31)
    reason = ip_reputation(facts(ip_kinds={"proxy"}, intel_data_as_of=old), S)
    assert reason is not None and reason.points == 13  # 25 x 0.5 = 12.5
    assert reason.forces_block  # a stale listing is weaker evidence, but the flag still rules


VELOCITY: list[tuple[Rule, str, str, int, int]] = [
    (signups_per_device, "signups_from_device_last_hour", "signup", 3, 25),
    (signups_per_ip, "signups_from_ip_last_hour", "signup", 10, 20),
    (competition_entries, "entries_last_hour", "competition_entry", 50, 20),
    (profit_claims, "profit_claims_last_day", "profit_claim", 20, 20),
]


@pytest.mark.parametrize(("rule", "field", "action", "limit", "weight"), VELOCITY)
def test_velocity_counts_the_assessed_event(
    rule: Rule, field: str, action: Any, limit: int, weight: int
) -> None:
    # limit-1 earlier events plus this one is exactly the limit: allowed.
    assert rule(facts(action=action, **{field: limit - 1}), S) is None
    reason = rule(facts(action=action, **{field: limit}), S)
    assert reason is not None
    assert (reason.rule, reason.points) == (rule.__name__, weight)
    assert f"{limit + 1} " in reason.detail and f"(limit {limit})" in reason.detail


@pytest.mark.parametrize(("rule", "field", "action", "limit", "weight"), VELOCITY)
def test_velocity_on_other_actions_counts_only_earlier_events(
    rule: Rule, field: str, action: Any, limit: int, weight: int
) -> None:
    assert rule(facts(action="login", **{field: limit}), S) is None
    assert rule(facts(action="login", **{field: limit + 1}), S) is not None


def test_velocity_limit_comes_from_settings() -> None:
    assert signups_per_ip(facts(action="signup", signups_from_ip_last_hour=1), S) is None
    strict = settings(velocity_signups_per_ip_hour=1)
    assert signups_per_ip(facts(action="signup", signups_from_ip_last_hour=1), strict)


PAST = [Decimal("10"), Decimal("30"), Decimal("20")]  # median 20


@pytest.mark.parametrize(
    ("claimed", "past", "fires"),
    [
        ("200.00", PAST, False),  # exactly 10x is not "more than"
        ("200.01", PAST, True),
        ("500", [Decimal("10"), Decimal("30")], True),  # even count: median 20
        ("500", [Decimal("-5"), Decimal("0"), Decimal("1")], False),  # median 0
        ("500", [Decimal("-50")], False),  # against a loss the ratio means nothing
        ("500", [], False),  # no history yet
        (None, PAST, False),
    ],
)
def test_profit_outlier(claimed: str | None, past: list[Decimal], fires: bool) -> None:
    reason = profit_outlier(
        facts(action="profit_claim", claimed_profit=claimed, past_profits=past), S
    )
    assert (reason is not None) is fires
    if reason is not None:
        assert (reason.rule, reason.points) == ("profit_outlier", 25)
        assert "10x the median past profit 20" in reason.detail


def test_profit_outlier_factor_comes_from_settings() -> None:
    claim = facts(claimed_profit="50", past_profits=PAST)
    assert profit_outlier(claim, S) is None
    assert profit_outlier(claim, settings(profit_outlier_factor="2.4")) is not None


@pytest.mark.parametrize(
    ("factor", "fires"), [("1E+999999", False), ("1E+999999999", False), ("1000000", True)]
)
def test_profit_outlier_never_overflows_whatever_factor_the_settings_hold(
    factor: str, fires: bool
) -> None:
    """factor x median overflowed past 1E+999999 (decimal.Overflow: a 500 on every profit
    claim and in the worker's screening). The settings take any factor >= 1: the rule must."""
    held = S.model_copy(update={"profit_outlier_factor": Decimal(factor)})
    claim = facts(claimed_profit="999999999999999999", past_profits=[Decimal("0.00000001")])
    assert (profit_outlier(claim, held) is not None) is fires
