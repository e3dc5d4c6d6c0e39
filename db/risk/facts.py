"""Gathers what the risk rules look at, from Postgres, in as few round trips as it can.

One place for the API's assessments and the share workflow's screening alike. Velocity
counts come from risk_decisions itself: every assessment is an event of its action.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import ScalarSelect, distinct, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.crypto import FieldCipher, RecordHasher
from db.models import Device, RiskDecisionRow, Share, User
from db.risk.links import linked_accounts, overdue_debts
from domain.risk.decision import RiskRequest
from domain.risk.facts import RiskFacts
from domain.risk.ipintel import IpKind

HOUR, DAY = timedelta(hours=1), timedelta(days=1)
# A profit is compared with this many of the user's latest verified profits.
PROFIT_HISTORY = 50


def _count(*where: object, distinct_users: bool = False) -> ScalarSelect[int]:
    counted = func.count(distinct(RiskDecisionRow.user_id)) if distinct_users else func.count()
    return select(counted).select_from(RiskDecisionRow).where(*where).scalar_subquery()


async def _account_and_velocity(
    session: AsyncSession, request: RiskRequest, ip_hash: str | None, now: datetime
) -> dict[str, object]:
    """One query: the block flag, users on the device, and every velocity count."""
    user, device, d = request.user_id, request.device_fingerprint, RiskDecisionRow
    # Sign-ups count distinct other users: one person retrying a sign-up is not a burst.
    other_signups = (d.action == "signup", d.at >= now - HOUR, d.user_id != user)
    row = (
        await session.execute(
            select(
                select(User.blocked).where(User.id == user).scalar_subquery().label("blocked"),
                select(func.array_agg(Device.user_id))
                .where(Device.fingerprint == device, Device.user_id != user)
                .scalar_subquery()
                .label("users_on_device"),
                (
                    _count(d.device_fingerprint == device, *other_signups, distinct_users=True)
                    if device
                    else literal(0)
                ).label("signups_from_device_last_hour"),
                (
                    _count(d.ip_hash == ip_hash, *other_signups, distinct_users=True)
                    if ip_hash
                    else literal(0)
                ).label("signups_from_ip_last_hour"),
                _count(
                    d.user_id == user, d.action == "competition_entry", d.at >= now - HOUR
                ).label("entries_last_hour"),
                _count(d.user_id == user, d.action == "profit_claim", d.at >= now - DAY).label(
                    "profit_claims_last_day"
                ),
            )
        )
    ).one()
    return {**row._asdict(), "users_on_device": row.users_on_device or []}


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
    return [Decimal(cipher.decrypt(token)) for token in await session.scalars(query)]


async def gather(
    session: AsyncSession,
    cipher: FieldCipher,
    hasher: RecordHasher,
    request: RiskRequest,
    *,
    now: datetime,
    ip_kinds: set[IpKind],
    intel_as_of: date | None,
) -> RiskFacts:
    """The facts about `request`; counts are of earlier events only (the rules add this one)."""
    ip_hash = hasher.fingerprint(request.ip) if request.ip else None
    counts = await _account_and_velocity(session, request, ip_hash, now)
    links = await linked_accounts(
        session,
        request.user_id,
        device=request.device_fingerprint,
        api_key=request.api_key_fingerprint,
    )
    claimed = request.claimed_profit if request.action == "profit_claim" else None
    return RiskFacts(
        user_id=request.user_id,
        action=request.action,
        today=now.date(),
        account_blocked=bool(counts.pop("blocked")),
        ip=request.ip,
        ip_kinds=frozenset(ip_kinds),
        intel_data_as_of=intel_as_of,
        device_fingerprint=request.device_fingerprint,
        users_with_api_key=sorted(u for u, via in links.items() if "api_key" in via),
        linked_overdue=await overdue_debts(session, cipher, sorted(links), now=now),
        claimed_profit=claimed,
        past_profits=await _past_profits(session, cipher, request) if claimed else [],
        **counts,
    )
