"""Accounts tied to a user by a shared device or exchange API key, and the debts they carry.

The debt follows the person: an account made to escape an unpaid share still shares a
device or an API key with the account that owes it. Used by risk facts and by standing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Literal, cast

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    ScalarSelect,
    String,
    bindparam,
    func,
    literal_column,
    select,
    union,
)
from sqlalchemy.ext.asyncio import AsyncSession

from db.crypto import FieldCipher
from db.models import Device, ExchangeAccount, RiskDecisionRow, Share
from db.shares import amount_due_now
from domain.ladder import Level
from domain.risk.facts import LinkedDebt

Via = Literal["device", "api_key"]
# Overdue: the share is open and has reached its due date (the day-7 warning) or beyond.
OVERDUE_FROM = Level.WARNING
_OVERDUE = (Share.status == "open", Share.level >= OVERDUE_FROM)

# The statements are built once: risk checks are many, and building costs more than running.
USER = bindparam("user_id", type_=String)
# What the request presents right now counts as the user's; NULL when absent matches nothing.
DEVICE = bindparam("device", type_=String)
API_KEY = bindparam("api_key", type_=String)

_MY_DEVICES: CompoundSelect = union(
    select(Device.fingerprint).where(Device.user_id == USER), select(DEVICE)
)
_MY_API_KEYS: CompoundSelect = union(
    select(ExchangeAccount.api_key_fingerprint).where(ExchangeAccount.user_id == USER),
    select(RiskDecisionRow.api_key_fingerprint).where(
        RiskDecisionRow.user_id == USER, RiskDecisionRow.api_key_fingerprint.is_not(None)
    ),
    select(API_KEY),
)
# Every other user on one of the user's devices or API keys (registered, or presented to
# an earlier risk check), with the kind of link: rows of (user_id, via).
LINKS: CompoundSelect = union(
    select(Device.user_id, literal_column("'device'").label("via")).where(
        Device.fingerprint.in_(_MY_DEVICES), Device.user_id != USER
    ),
    select(ExchangeAccount.user_id, literal_column("'api_key'")).where(
        ExchangeAccount.api_key_fingerprint.in_(_MY_API_KEYS), ExchangeAccount.user_id != USER
    ),
    select(RiskDecisionRow.user_id, literal_column("'api_key'")).where(
        RiskDecisionRow.api_key_fingerprint.in_(_MY_API_KEYS), RiskDecisionRow.user_id != USER
    ),
)


def by_user(rows: Iterable[Sequence[str]]) -> dict[str, set[Via]]:
    """(user_id, via) rows of LINKS -> {user_id: {via, ...}}."""
    links: dict[str, set[Via]] = defaultdict(set)
    for other, via in rows:
        links[other].add(cast(Via, via))
    return dict(links)


async def linked_accounts(
    session: AsyncSession, user_id: str, *, device: str | None = None, api_key: str | None = None
) -> dict[str, set[Via]]:
    """Other users sharing a device or an API key with `user_id`, and how."""
    params = {"user_id": user_id, "device": device, "api_key": api_key}
    return by_user(await session.execute(LINKS, params))


def overdue_shares(users: ColumnElement[str]) -> ScalarSelect[list[str] | None]:
    """The open shares of `users` (a column of user ids, LINKS's) that are due or past due,
    as an array of event ids (NULL for none): a column of a read that already finds the links,
    so that finding no debt costs no round trip of its own."""
    return (
        select(func.array_agg(Share.event_id))
        .where(Share.user_id.in_(select(users)), *_OVERDUE)
        .scalar_subquery()
    )


async def overdue_debts(
    session: AsyncSession, cipher: FieldCipher, event_ids: list[str] | None, *, now: datetime
) -> list[LinkedDebt]:
    """What each user owes on the overdue shares `event_ids` (found by `overdue_shares`; one
    paid since is left out), one entry per user and currency."""
    if not event_ids:
        return []
    shares = await session.scalars(select(Share).where(Share.event_id.in_(event_ids), *_OVERDUE))
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
