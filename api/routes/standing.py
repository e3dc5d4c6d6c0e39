"""GET /v1/users/{user_id}/standing: may this user trade? Served from Postgres."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from api.auth import require
from api.deps import AppDeps
from api.errors import ApiError
from db import trust_signals
from db.engine import autocommit
from db.models import Share
from db.risk.links import Via, overdue_debts
from db.shares import amount_due_now
from db.standing_read import read_standing
from domain.ladder import Level
from domain.policy import effective_trust
from domain.standing_changes import Standing as Facts
from domain.types import Identifier, Money

router = APIRouter(tags=["standing"])


class OpenShare(BaseModel):
    event_id: str
    amount_due: Money | None
    currency: str | None
    due_at: datetime | None
    enforcement_level: int


class LinkedDebt(BaseModel):
    """Overdue shares of another account tied to this user: the debt follows the person."""

    user_id: str
    via: list[Via]
    amount_due: Money
    currency: str
    enforcement_level: int
    level_name: str


class Standing(BaseModel):
    user_id: str
    trust_score: int
    enforcement_level: int
    level_name: str
    can_trade: bool
    can_access: bool
    blocked: bool
    open_shares: list[OpenShare]
    # Additions to the contract: why the user may not trade (blocked, suspended, locked,
    # trust_below_threshold, terms_not_accepted), the first of them, and the total due per
    # currency across the open shares.
    reasons: list[str] = []
    reason: str | None = None
    total_due: dict[str, Money] = {}
    # Trust as the review limit sees it: trust_score moved by account age and API-key
    # consistency (domain/policy.py TrustPolicy), with the points of each signal.
    effective_trust_score: int | None = None
    trust_signals: dict[str, int] = {}
    # An addition to the contract: debts on accounts sharing a device or an API key.
    linked_debts: list[LinkedDebt] = []


@router.get(
    "/v1/users/{user_id}/standing",
    dependencies=[Depends(require("backend", "ops"))],
)
async def get_standing(user_id: Identifier, deps: AppDeps) -> Standing:
    now = datetime.now(UTC)
    async with deps.sessions() as s:
        # One statement (and one when a linked user is overdue): no transaction around them,
        # two round trips fewer on a read that backends call before every trade.
        await autocommit(s)
        read = await read_standing(s, user_id, now)
        if read is None:
            raise ApiError(404, f"no user {user_id}")
        links = read.links
        debts = await overdue_debts(s, deps.cipher, read.overdue, now=now)
    user, shares, trust = read.user, read.shares, deps.policy.trust
    signals = trust_signals.signals_from(
        trust, user, now, api_keys=read.api_keys, sessions=read.sessions
    )
    terms_ok = read.terms_accepted
    level = user.enforcement_level
    facts = Facts(
        user.id,
        level,
        user.trust_score,
        user.blocked,
        terms_accepted=terms_ok,
        min_trust=trust.min_to_trade,
    )
    due = [(sh, amount_due_now(sh, deps.cipher)) for sh in shares]
    return Standing(
        user_id=user.id,
        trust_score=user.trust_score,
        enforcement_level=level,
        level_name=Level(level).label,
        blocked=user.blocked,
        can_trade=facts.can_trade,
        can_access=facts.can_access,
        reasons=facts.reasons,
        effective_trust_score=effective_trust(user.trust_score, signals),
        trust_signals=signals,
        reason=next(iter(facts.reasons), None),
        total_due=total_due(due),
        open_shares=[
            OpenShare(
                event_id=sh.event_id,
                amount_due=amount,
                currency=sh.billing_currency,
                due_at=sh.due_at,
                enforcement_level=sh.level,
            )
            for sh, amount in due
        ],
        linked_debts=[
            LinkedDebt(
                user_id=debt.user_id,
                via=sorted(links[debt.user_id]),
                amount_due=debt.amount_due,
                currency=debt.currency,
                enforcement_level=int(debt.level),
                level_name=debt.level.label,
            )
            for debt in debts
        ],
    )


def total_due(due: list[tuple[Share, Decimal | None]]) -> dict[str, Decimal]:
    """What the user owes now, per billing currency (the early discount counted)."""
    totals: dict[str, Decimal] = {}
    for share, amount in due:
        if amount is not None:
            currency = share.billing_currency or share.currency
            totals[currency] = totals.get(currency, Decimal(0)) + amount
    return dict(sorted(totals.items()))
