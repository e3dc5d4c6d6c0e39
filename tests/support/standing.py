"""Puts users in a given standing directly in Postgres: an open share at a level, a trust
score, a block. For tests of what a standing change sets off (outbox, webhooks)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import select

from db import standing
from db.models import Share, StandingOutboxRow, User
from runtime.deps import Deps
from tests.support.records import bare_share

AT = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def new_user_id() -> str:
    return f"u_{uuid.uuid4().hex[:10]}"


async def set_standing(
    deps: Deps,
    user_id: str,
    *,
    level: int | None = None,
    trust: int | None = None,
    blocked: bool | None = None,
    reason: str = "test",
) -> None:
    """Changes the user as the ledger would, then recomputes in the same transaction."""
    async with deps.sessions.begin() as s:
        await standing.ensure_user(s, deps.hasher, user_id, deps.policy.trust)
        user = await s.get(User, user_id)
        assert user is not None
        if trust is not None:
            user.trust_score = trust
        if blocked is not None:
            user.blocked = blocked
        if level is not None:
            await _open_share_at(deps, s, user_id, level)
        await standing.recompute(s, deps.hasher, user_id, deps.policy.trust, reason=reason, at=AT)


async def _open_share_at(deps: Deps, s, user_id: str, level: int) -> None:
    """The user's one open share at `level` (0 closes it)."""
    event_id = f"evt_{user_id}"
    share = await s.get(Share, event_id)
    if share is None:
        share = await bare_share(
            s,
            deps.cipher,
            user_id,
            event_id=event_id,
            status="open",
            currency="USDT",
            reported_profit_enc=deps.cipher.encrypt("1000"),
        )
    share.level = level
    share.status = "open" if level else "paid"
    await s.flush()


async def outbox(deps: Deps, user_id: str) -> list[StandingOutboxRow]:
    async with deps.sessions() as s:
        rows = await s.scalars(
            select(StandingOutboxRow)
            .where(StandingOutboxRow.user_id == user_id)
            .order_by(StandingOutboxRow.seq)
        )
        return list(rows)
