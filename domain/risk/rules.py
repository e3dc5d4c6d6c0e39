"""The risk rules: each looks at the facts and either adds a Reason or stays silent.

Every rule is `(facts, settings) -> Reason | None`, so a new rule is one function added
to RULES and nothing else changes.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterable
from decimal import ROUND_HALF_UP, Decimal

from pydantic import Field

from domain.models import Model
from domain.money import EXACT, format_money
from domain.risk.facts import RiskFacts
from domain.risk.ipintel import IpKind
from domain.risk.settings import FraudSettings


class Reason(Model):
    rule: str
    points: int = Field(ge=0)
    detail: str
    # Some findings block whatever the score (a proxy, debt left on a linked account);
    # a VPN alone scores below the alert threshold yet should still reach a human.
    forces_block: bool = False
    forces_alert: bool = False


Rule = Callable[[RiskFacts, FraudSettings], Reason | None]


def _others(facts: RiskFacts, users: Iterable[str]) -> list[str]:
    # The gatherer reports "other" users, but dropping the user here keeps a sloppy query
    # from making everyone look linked to themselves.
    return sorted(set(users) - {facts.user_id})


def device_accounts(facts: RiskFacts, settings: FraudSettings) -> Reason | None:
    """2..max accounts on one device: a medium alert; more than max: a block (the brief)."""
    if not (settings.multi_account_detection_enabled and settings.device_fingerprinting_enabled):
        return None
    others = _others(facts, facts.users_on_device)
    accounts = len(others) + 1
    if accounts < 2:
        return None
    limit = settings.max_accounts_per_device
    detail = (
        f"device {facts.device_fingerprint or '(unknown)'} is used by {accounts} accounts "
        f"(limit {limit}): {', '.join(others)}"
    )
    if accounts <= limit:
        return Reason(
            rule="device_shared",
            points=settings.weights.device_shared,
            detail=detail,
            forces_alert=True,
        )
    return Reason(
        rule="device_accounts",
        points=settings.weights.device_over_limit,
        detail=detail,
        forces_block=True,
    )


def shared_api_key(facts: RiskFacts, settings: FraudSettings) -> Reason | None:
    others = _others(facts, facts.users_with_api_key)
    if not others or not settings.multi_account_detection_enabled:
        return None
    detail = f"the same exchange API key is connected by {', '.join(others)}"
    return Reason(rule="shared_api_key", points=settings.weights.shared_api_key, detail=detail)


def linked_debt(facts: RiskFacts, settings: FraudSettings) -> Reason | None:
    """The debt follows the person: a new account must not wipe an unpaid share."""
    if not facts.linked_overdue:
        return None
    debts = sorted(facts.linked_overdue, key=lambda d: (d.user_id, d.currency, d.amount_due))
    owed = "; ".join(
        f"{d.user_id} owes {format_money(d.amount_due)} {d.currency} ({d.level.label})"
        for d in debts
    )
    return Reason(
        rule="linked_debt",
        points=settings.weights.linked_overdue_debt,
        detail=f"overdue shares on linked accounts: {owed}",
        forces_block=True,
    )


# Strongest first, so the detail leads with what matters most.
_IP_KINDS: tuple[IpKind, ...] = ("tor", "proxy", "vpn", "datacenter")


def ip_reputation(facts: RiskFacts, settings: FraudSettings) -> Reason | None:
    kinds = [kind for kind in _IP_KINDS if kind in facts.ip_kinds]
    if not settings.vpn_detection_enabled:
        kinds = [kind for kind in kinds if kind != "vpn"]
    if not kinds:
        return None
    w = settings.weights
    weights = {"tor": w.tor, "proxy": w.proxy, "vpn": w.vpn, "datacenter": w.datacenter}
    # Datacenter addresses host honest bots and VPN exits alike, so they never block alone.
    blocking = {
        "tor": settings.tor_blocks,
        "proxy": settings.proxy_blocks,
        "vpn": settings.vpn_blocks,
    }
    points = sum(weights[kind] for kind in kinds)
    listed = ", ".join(f"{kind} (+{weights[kind]})" for kind in kinds)
    detail = f"{facts.ip or 'the IP'} is listed as {listed}"
    as_of = facts.intel_data_as_of
    if as_of is not None and (facts.today - as_of).days > settings.stale_intel_days:
        factor = settings.stale_intel_weight_factor
        points = int((points * factor).to_integral_value(rounding=ROUND_HALF_UP))
        detail += f"; stale intel as of {as_of.isoformat()} (weight x{factor})"
    return Reason(
        rule="ip_reputation",
        points=points,
        detail=detail,
        forces_block=any(blocking.get(kind, False) for kind in kinds),
        forces_alert="vpn" in kinds and settings.vpn_alerts,
    )


def _velocity(
    rule: str, earlier: int, this_counts: bool, limit: int, weight: int, what: str
) -> Reason | None:
    # Counts in the facts are of earlier events; the one being assessed is added here.
    total = earlier + (1 if this_counts else 0)
    if total <= limit:
        return None
    return Reason(rule=rule, points=weight, detail=f"{total} {what} (limit {limit})")


def signups_per_device(facts: RiskFacts, settings: FraudSettings) -> Reason | None:
    return _velocity(
        "signups_per_device",
        facts.signups_from_device_last_hour,
        facts.action == "signup",
        settings.velocity_signups_per_device_hour,
        settings.weights.signups_per_device,
        "sign-ups from this device in the last hour",
    )


def signups_per_ip(facts: RiskFacts, settings: FraudSettings) -> Reason | None:
    return _velocity(
        "signups_per_ip",
        facts.signups_from_ip_last_hour,
        facts.action == "signup",
        settings.velocity_signups_per_ip_hour,
        settings.weights.signups_per_ip,
        "sign-ups from this IP in the last hour",
    )


def competition_entries(facts: RiskFacts, settings: FraudSettings) -> Reason | None:
    return _velocity(
        "competition_entries",
        facts.entries_last_hour,
        facts.action == "competition_entry",
        settings.competition_entries_per_hour,
        settings.weights.competition_entries,
        "competition entries in the last hour",
    )


def profit_claims(facts: RiskFacts, settings: FraudSettings) -> Reason | None:
    return _velocity(
        "profit_claims",
        facts.profit_claims_last_day,
        facts.action == "profit_claim",
        settings.profit_claims_per_user_day,
        settings.weights.profit_claims,
        "profit claims in the last day",
    )


def profit_outlier(facts: RiskFacts, settings: FraudSettings) -> Reason | None:
    claimed = facts.claimed_profit
    if claimed is None or not facts.past_profits:
        return None
    median: Decimal = statistics.median(facts.past_profits)
    # Against a typical loss or zero, "ten times as much" means nothing.
    if median <= 0:
        return None
    factor = settings.profit_outlier_factor
    # Divided, not multiplied: the ratio of two amounts (18 digits either side) always fits,
    # whatever factor a settings document holds; factor x median could overflow.
    if EXACT.divide(claimed, median) <= factor:
        return None
    detail = (
        f"claimed profit {claimed} is more than {factor}x the median past profit {median} "
        f"({len(facts.past_profits)} past claims)"
    )
    return Reason(rule="profit_outlier", points=settings.weights.profit_outlier, detail=detail)


def email_domain(facts: RiskFacts, settings: FraudSettings) -> Reason | None:
    """A throw-away mailbox (or one at a domain nobody receives mail at) hides who signs up."""
    if not settings.email_screening_enabled or not facts.email_kinds:
        return None
    w = settings.weights
    if "disposable" in facts.email_kinds:
        rule, points, what = "disposable_email", w.disposable_email, "a disposable email service"
    else:
        rule, points, what = "suspicious_email", w.suspicious_email, "a reserved or test domain"
    return Reason(rule=rule, points=points, detail=f"{facts.email_domain} is {what}")


RULES: tuple[Rule, ...] = (
    device_accounts,
    shared_api_key,
    linked_debt,
    ip_reputation,
    signups_per_device,
    signups_per_ip,
    competition_entries,
    profit_claims,
    profit_outlier,
    email_domain,
)
