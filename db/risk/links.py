"""Accounts tied to a user by a shared device or exchange API key, and the debts they carry.

The debt follows the person: an account made to escape an unpaid share still shares a
device or an API key with the account that owes it. Used by risk facts and by standing.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from sqlalchemy import ColumnElement, CompoundSelect, Select, literal, or_, select, union
from sqlalchemy.ext.asyncio import AsyncSession

from db.crypto import FieldCipher
from db.models import Device, ExchangeAccount, RiskDecisionRow, Share
from db.shares import amount_due_now
from domain.ladder import Level
from domain.risk.facts import LinkedDebt

Via = Literal["device", "api_key"]
# Overdue: the share is open and has reached its due date (the day-7 warning) or beyond.
OVERDUE_FROM = Level.WARNING


def _matches(
    column: ColumnElement[Any], mine: Select[Any] | CompoundSelect, extra: str | None
) -> ColumnElement[bool]:
    """`column` holds one of the user's identifiers, or the one presented right now."""
    return or_(column.in_(mine), column == extra) if extra else column.in_(mine)


async def linked_accounts(
    session: AsyncSession,
    user_id: str,
    *,
    device: str | None = None,
    api_key: str | None = None,
) -> dict[str, set[Via]]:
    """Other users sharing a device or API key fingerprint with `user_id`, and how.

    The user's identifiers are every device they were seen on, every API key they
    registered or presented to a risk check, plus `device` and `api_key` if given.
    """
    my_devices = select(Device.fingerprint).where(Device.user_id == user_id)
    my_keys = union(
        select(ExchangeAccount.api_key_fingerprint).where(ExchangeAccount.user_id == user_id),
        select(RiskDecisionRow.api_key_fingerprint).where(
            RiskDecisionRow.user_id == user_id, RiskDecisionRow.api_key_fingerprint.is_not(None)
        ),
    )
    query = union(
        select(Device.user_id, literal("device").label("via")).where(
            _matches(Device.fingerprint, my_devices, device), Device.user_id != user_id
        ),
        select(ExchangeAccount.user_id, literal("api_key")).where(
            _matches(ExchangeAccount.api_key_fingerprint, my_keys, api_key),
            ExchangeAccount.user_id != user_id,
        ),
        select(RiskDecisionRow.user_id, literal("api_key")).where(
            _matches(RiskDecisionRow.api_key_fingerprint, my_keys, api_key),
            RiskDecisionRow.user_id != user_id,
        ),
    )
    links: dict[str, set[Via]] = defaultdict(set)
    for other, via in await session.execute(query):
        links[other].add(via)
    return dict(links)


async def overdue_debts(
    session: AsyncSession, cipher: FieldCipher, user_ids: list[str], *, now: datetime
) -> list[LinkedDebt]:
    """What each user owes on overdue shares, one entry per user and currency."""
    if not user_ids:
        return []
    shares = await session.scalars(
        select(Share).where(
            Share.user_id.in_(user_ids), Share.status == "open", Share.level >= OVERDUE_FROM
        )
    )
    owed: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    level: dict[tuple[str, str], int] = defaultdict(int)
    for share in shares:
        key = (share.user_id, share.billing_currency or share.currency)
        owed[key] += amount_due_now(share, cipher, now) or Decimal(0)
        level[key] = max(level[key], share.level)
    return [
        LinkedDebt(
            user_id=user,
            currency=currency,
            amount_due=owed[user, currency],
            level=Level(level[user, currency]),
        )
        for user, currency in sorted(owed)
    ]
