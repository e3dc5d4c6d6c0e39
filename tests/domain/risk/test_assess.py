from __future__ import annotations

from decimal import Decimal

import pytest

from domain.ladder import Level
from domain.risk import (
    DEFAULT_FRAUD_SETTINGS,
    Assessment,
    FraudSettings,
    LinkedDebt,
    RiskFacts,
    assess,
)
from tests.domain.risk import facts, settings

SHARED_KEY = {"users_with_api_key": ["u_2"]}
DEBT = LinkedDebt(user_id="u_9", amount_due=Decimal("150.00"), currency="USDT", level=Level.WARNING)


def test_quiet_facts_allow() -> None:
    result = assess(facts())
    assert result == Assessment(
        score=0, decision="allow", reasons=[], linked_users=[], auto_suspend=False
    )


@pytest.mark.parametrize(
    ("points", "decision"),
    [(0, "allow"), (39, "allow"), (40, "alert"), (69, "alert"), (70, "block"), (100, "block")],
)
def test_threshold_edges(points: int, decision: str) -> None:
    # One rule whose weight is the whole score, so the score lands on each edge exactly.
    result = assess(facts(**SHARED_KEY), settings({"shared_api_key": points}))
    assert (result.score, result.decision) == (points, decision)


def test_score_is_clamped_to_100() -> None:
    result = assess(facts(ip_kinds={"tor", "proxy", "vpn", "datacenter"}, **SHARED_KEY))
    assert sum(r.points for r in result.reasons) == 185
    assert result.score == 100


def test_vpn_alone_alerts_but_does_not_block() -> None:
    result = assess(facts(ip="198.51.100.4", ip_kinds={"vpn"}))
    assert (result.score, result.decision) == (30, "alert")
    # Even a VPN weight past the alert threshold stays below a block on its own.
    assert assess(facts(ip_kinds={"vpn"}), settings({"vpn": 69})).decision == "alert"


def test_vpn_can_be_made_points_only_or_blocking() -> None:
    vpn = facts(ip_kinds={"vpn"})
    assert assess(vpn, settings(vpn_alerts=False)).decision == "allow"
    assert assess(vpn, settings(vpn_blocks=True)).decision == "block"


@pytest.mark.parametrize(("kind", "score"), [("proxy", 25), ("tor", 50)])
def test_proxy_and_tor_block_whatever_the_score(kind: str, score: int) -> None:
    result = assess(facts(ip_kinds={kind}))
    assert (result.score, result.decision) == (score, "block")


def test_linked_debt_blocks_and_names_the_linked_user() -> None:
    result = assess(facts(linked_overdue=[DEBT]), settings({"linked_overdue_debt": 0}))
    assert (result.score, result.decision) == (0, "block")
    assert result.linked_users == ["u_9"]
    assert "u_9 owes 150.00 USDT" in result.reasons[0].detail


def test_linked_users_are_sorted_unique_and_exclude_the_user() -> None:
    linked = facts(
        users_on_device=["u_5", "u_1", "u_3"], users_with_api_key=["u_3"], linked_overdue=[DEBT]
    )
    assert assess(linked).linked_users == ["u_3", "u_5", "u_9"]


def test_reasons_keep_rule_order() -> None:
    result = assess(facts(ip_kinds={"vpn"}, **SHARED_KEY))
    assert [r.rule for r in result.reasons] == ["shared_api_key", "ip_reputation"]
    assert (result.score, result.decision) == (90, "block")


@pytest.mark.parametrize(
    "whitelist",
    [{"whitelisted_users": ["u_1"]}, {"whitelisted_ips": ["203.0.113.0/24"]}],
)
def test_whitelist_short_circuits_to_allow(whitelist: dict[str, list[str]]) -> None:
    risky = facts(ip="203.0.113.7", ip_kinds={"tor"}, linked_overdue=[DEBT], **SHARED_KEY)
    result = assess(risky, FraudSettings.model_validate(whitelist))
    assert (result.score, result.decision, result.auto_suspend) == (0, "allow", False)
    assert [(r.rule, r.points) for r in result.reasons] == [("whitelisted", 0)]
    assert result.linked_users == ["u_2", "u_9"]  # still reported for the admin


@pytest.mark.parametrize(
    ("ip", "trusted"),
    [
        ("10.1.2.3", True),
        ("10.255.255.255", True),
        ("11.0.0.0", False),
        ("2001:db8::1", True),
        ("2001:db9::1", False),
        ("::ffff:10.0.0.1", True),  # IPv4 as a dual-stack server reports it
        (None, False),
    ],
)
def test_whitelist_by_cidr(ip: str | None, trusted: bool) -> None:
    cidrs = settings(whitelisted_ips=["10.0.0.0/8", "2001:db8::/32"], tor_blocks=True)
    result = assess(facts(ip=ip, ip_kinds={"tor"}), cidrs)
    assert (result.decision == "allow") is trusted


def test_other_users_are_not_whitelisted() -> None:
    result = assess(facts(ip_kinds={"tor"}), settings(whitelisted_users=["u_2"]))
    assert result.decision == "block"


@pytest.mark.parametrize(
    ("enabled", "weight", "suspend"),
    [(False, 100, False), (True, 89, False), (True, 90, True), (True, 100, True)],
)
def test_auto_suspend_needs_the_switch_and_the_threshold(
    enabled: bool, weight: int, suspend: bool
) -> None:
    config = settings({"shared_api_key": weight}, auto_suspend_enabled=enabled)
    assert assess(facts(**SHARED_KEY), config).auto_suspend is suspend


def test_forced_block_alone_does_not_auto_suspend() -> None:
    result = assess(facts(ip_kinds={"tor"}), settings(auto_suspend_enabled=True))
    assert (result.decision, result.auto_suspend) == ("block", False)


def test_assessment_round_trips_as_json() -> None:
    result = assess(facts(ip="203.0.113.7", ip_kinds={"vpn"}, linked_overdue=[DEBT]))
    assert Assessment.model_validate_json(result.model_dump_json()) == result
    assert RiskFacts.model_validate_json(facts().model_dump_json()) == facts()
    assert assess(facts(), DEFAULT_FRAUD_SETTINGS) == assess(facts())


def test_a_blocked_account_is_blocked_even_when_whitelisted() -> None:
    whitelisted = settings(whitelisted_users=["u_1"], auto_suspend_enabled=True)
    result = assess(facts(account_blocked=True, **SHARED_KEY), whitelisted)
    assert (result.score, result.decision, result.auto_suspend) == (100, "block", False)
    assert [(r.rule, r.points) for r in result.reasons] == [("account_blocked", 100)]
    assert result.linked_users == ["u_2"]
