"""Fraud and risk rules: pure functions over facts an activity gathers.

`assess(facts, settings)` runs every rule in RULES and turns the points into a decision;
`IpIntel` answers which offline IP lists hold an address.
"""

from domain.risk.assess import Assessment, Decision, assess, decide
from domain.risk.decision import RiskDecision, RiskRequest
from domain.risk.facts import Action, LinkedDebt, RiskFacts
from domain.risk.ipintel import (
    IP_KINDS,
    IpIntel,
    IpKind,
    IpRanges,
    data_as_of,
    list_file,
    parse_list,
)
from domain.risk.rules import (
    RULES,
    Reason,
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
from domain.risk.settings import DEFAULT_FRAUD_SETTINGS, FraudSettings, RuleWeights

__all__ = [
    "DEFAULT_FRAUD_SETTINGS",
    "IP_KINDS",
    "RULES",
    "Action",
    "Assessment",
    "Decision",
    "FraudSettings",
    "IpIntel",
    "IpKind",
    "IpRanges",
    "LinkedDebt",
    "Reason",
    "RiskDecision",
    "RiskFacts",
    "RiskRequest",
    "Rule",
    "RuleWeights",
    "assess",
    "competition_entries",
    "data_as_of",
    "decide",
    "device_accounts",
    "ip_reputation",
    "linked_debt",
    "list_file",
    "parse_list",
    "profit_claims",
    "profit_outlier",
    "shared_api_key",
    "signups_per_device",
    "signups_per_ip",
]
