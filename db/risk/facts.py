"""Gathers what the risk rules look at, from Postgres: one query; one more when a linked user
is overdue, and one for a profit claim's history.

One place for the API's assessments and the share workflow's screening alike. Velocity
counts come from risk_decisions itself: every assessment is an event of its action.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import (
    ColumnElement,
    DateTime,
    ScalarSelect,
    String,
    bindparam,
    distinct,
    exists,
    func,
    literal_column,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from db.crypto import FieldCipher
from db.models import Device, RiskDecisionRow, Share, User
from db.privacy_models import RiskDismissal
from db.risk.links import DEVICE, LINKS, USER, by_user, overdue_debts, overdue_shares
from domain.risk.decision import RiskRequest
from domain.risk.email import EmailKind, domain_of
from domain.risk.facts import RiskFacts
from domain.risk.ipintel import IpKind

HOUR, DAY = timedelta(hours=1), timedelta(days=1)
# A profit is compared with this many of the user's latest verified profits.
PROFIT_HISTORY = 50

_IP_HASH = bindparam("ip_hash", type_=String)
_HOUR_AGO = bindparam("hour_ago", type_=DateTime(timezone=True))
_DAY_AGO = bindparam("day_ago", type_=DateTime(timezone=True))
_d = RiskDecisionRow
# Sign-ups count distinct other users: one person retrying a sign-up is not a burst.
# 'signup' is written into the statement, not bound: only then can a prepared statement's
# generic plan use the sign-up indexes (their condition is `action = 'signup'`), instead of
# reading every decision of the device or address in the hour.
_SIGNUP: ColumnElement[str] = literal_column("'signup'")
_OTHER_SIGNUPS = (_d.action == _SIGNUP, _d.at >= _HOUR_AGO, _d.user_id != USER)


def _count(*where: ColumnElement[bool], distinct_users: bool = False) -> ScalarSelect[int]:
    counted = func.count(distinct(_d.user_id)) if distinct_users else func.count()
    return select(counted).select_from(_d).where(*where).scalar_subquery()


_dismissed = RiskDismissal


def _dismissed_on_device(
    user: ColumnElement[str] | InstrumentedAttribute[str],
) -> ColumnElement[bool]:
    """An admin judged this user's sharing of the device a false positive."""
    return exists().where(_dismissed.user_id == user, _dismissed.device_fingerprint == DEVICE)


_links = LINKS.subquery()
# Built once; one round trip. A NULL device or IP hash matches nothing, so counts 0.
FACTS = select(
    select(User.blocked).where(User.id == USER).scalar_subquery().label("blocked"),
    select(func.array_agg(Device.user_id))
    .where(
        Device.fingerprint == DEVICE,
        Device.user_id != USER,
        ~_dismissed_on_device(Device.user_id),
        ~_dismissed_on_device(USER),
    )
    .scalar_subquery()
    .label("users_on_device"),
    select(func.json_agg(func.json_build_array(_links.c.user_id, _links.c.via)))
    .scalar_subquery()
    .label("links"),
    overdue_shares(_links.c.user_id).label("overdue"),
    _count(_d.device_fingerprint == DEVICE, *_OTHER_SIGNUPS, distinct_users=True).label(
        "signups_from_device_last_hour"
    ),
    _count(_d.ip_hash == _IP_HASH, *_OTHER_SIGNUPS, distinct_users=True).label(
        "signups_from_ip_last_hour"
    ),
    _count(_d.user_id == USER, _d.action == "competition_entry", _d.at >= _HOUR_AGO).label(
        "entries_last_hour"
    ),
    _count(_d.user_id == USER, _d.action == "profit_claim", _d.at >= _DAY_AGO).label(
        "profit_claims_last_day"
    ),
)


async def _past_profits(
    session: AsyncSession, cipher: FieldCipher, request: RiskRequest
) -> list[Decimal]:
    query = (
        select(Share.verified_profit_enc)
        .where(Share.user_id == request.user_id, Share.verified_profit_enc.is_not(None))
        .order_by(Share.created_at.desc())
        .limit(PROFIT_HISTORY)
    )
    if request.event_id is not None:
        query = query.where(Share.event_id != request.event_id)
    tokens = await session.scalars(query)
    return [Decimal(cipher.decrypt(token)) for token in tokens if token is not None]


async def gather(
    session: AsyncSession,
    cipher: FieldCipher,
    request: RiskRequest,
    *,
    ip_hash: str | None,
    now: datetime,
    ip_kinds: set[IpKind],
    intel_as_of: date | None,
    email_kinds: frozenset[EmailKind] = frozenset(),
) -> RiskFacts:
    """The facts about `request`; counts are of earlier events only (the rules add this one)."""
    params = {
        "user_id": request.user_id,
        "device": request.device_fingerprint,
        "api_key": request.api_key_fingerprint,
        "ip_hash": ip_hash,
        "hour_ago": now - HOUR,
        "day_ago": now - DAY,
    }
    row = (await (await session.connection()).execute(FACTS, params)).one()
    links = by_user(row.links or [])
    claimed = request.claimed_profit if request.action == "profit_claim" else None
    return RiskFacts(
        user_id=request.user_id,
        action=request.action,
        today=now.date(),
        account_blocked=bool(row.blocked),
        ip=request.ip,
        ip_kinds=frozenset(ip_kinds),
        intel_data_as_of=intel_as_of,
        device_fingerprint=request.device_fingerprint,
        users_on_device=row.users_on_device or [],
        users_with_api_key=sorted(u for u, via in links.items() if "api_key" in via),
        linked_overdue=await overdue_debts(session, cipher, row.overdue, now=now),
        signups_from_device_last_hour=row.signups_from_device_last_hour,
        signups_from_ip_last_hour=row.signups_from_ip_last_hour,
        entries_last_hour=row.entries_last_hour,
        profit_claims_last_day=row.profit_claims_last_day,
        email_domain=domain_of(request.email) if request.email else None,
        email_kinds=email_kinds,
        claimed_profit=claimed,
        past_profits=await _past_profits(session, cipher, request) if claimed else [],
    )
