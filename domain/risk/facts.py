"""What the risk rules look at, gathered by an activity so the rules themselves stay pure."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import AfterValidator, Field

from domain.ladder import Level
from domain.models import Model
from domain.risk.email import EmailKind
from domain.risk.ipintel import IpKind, to_address
from domain.types import Currency, Identifier, Money

# payment_proof: a manual payment proof goes through the same service (issue 18).
Action = Literal[
    "signup", "login", "connect_exchange", "profit_claim", "competition_entry", "payment_proof"
]
Count = Annotated[int, Field(ge=0)]


def _ip(value: str) -> str:
    # One spelling per address, so whitelists and lists compare like with like.
    return str(to_address(value))


IpText = Annotated[str, AfterValidator(_ip)]


class LinkedDebt(Model):
    """An overdue share on an account linked to the user (same device or API key)."""

    user_id: Identifier
    amount_due: Money
    currency: Currency
    level: Level


class RiskFacts(Model):
    """Counts are of earlier events in the window; the one being assessed is not included."""

    user_id: Identifier
    action: Action
    today: date
    # An admin blocked the account: no rule or whitelist can clear it.
    account_blocked: bool = False

    ip: IpText | None = None
    ip_kinds: frozenset[IpKind] = frozenset()
    # Publication date of the IP lists that produced ip_kinds; None when none were loaded.
    intel_data_as_of: date | None = None

    device_fingerprint: str | None = Field(default=None, max_length=256)
    # Other users seen on this device / with this API key fingerprint.
    users_on_device: list[Identifier] = []
    users_with_api_key: list[Identifier] = []
    linked_overdue: list[LinkedDebt] = []

    signups_from_device_last_hour: Count = 0
    signups_from_ip_last_hour: Count = 0
    entries_last_hour: Count = 0
    profit_claims_last_day: Count = 0

    # The normalised email's domain, and the offline lists that hold it.
    email_domain: str | None = Field(default=None, max_length=254)
    email_kinds: frozenset[EmailKind] = frozenset()

    claimed_profit: Money | None = None
    past_profits: list[Money] = []
