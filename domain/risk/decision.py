"""What a caller asks the risk service, and the decision it gets back (stored as it was given)."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from domain.models import Model
from domain.risk.assess import Assessment
from domain.risk.email import Email
from domain.risk.facts import Action, IpText
from domain.types import Identifier, Money, Text


class RiskRequest(Model):
    """The body of POST /v1/risk/assess; the screening activity builds one per profit event."""

    user_id: Identifier
    action: Action
    ip: IpText | None = None
    device_fingerprint: Text | None = Field(default=None, min_length=1, max_length=256)
    api_key_fingerprint: Text | None = Field(default=None, min_length=1, max_length=64)
    # Screened against disposable and suspicious domains; stored normalised (sub-address and
    # case folded) under the user's data key.
    email: Email | None = None
    # Additions to the contract, for profit claims: the profit claimed (compared with the
    # user's own history) and its event (left out of that history).
    claimed_profit: Money | None = None
    event_id: Identifier | None = None


class RiskDecision(Assessment):
    """An assessment as recorded: `auto_suspend` true means this decision blocked the user."""

    decision_id: int
    at: datetime
    user_id: str
    action: Action
    # The fraud-settings version the rules ran with, so the score can be explained later.
    settings_version: int
