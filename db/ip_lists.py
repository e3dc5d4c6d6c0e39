"""The offline IP lists in PostgreSQL: replaced together, read together."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import IpList


async def replace(
    session: AsyncSession, lists: Mapping[str, tuple[str, str | None]], *, at: datetime
) -> None:
    """Writes each list (kind -> (body, source)) in the caller's transaction: readers see
    every list of one refresh or every list of the one before."""
    for kind, (body, source) in lists.items():
        values = {"body": body, "source": source, "refreshed_at": at}
        await session.execute(
            insert(IpList)
            .values(kind=kind, **values)
            .on_conflict_do_update(index_elements=[IpList.kind], set_=values)
        )


async def version(session: AsyncSession) -> tuple[int, datetime | None]:
    """Changes whenever a refresh wrote: (how many lists, the latest write)."""
    row = (await session.execute(select(func.count(), func.max(IpList.refreshed_at)))).one()
    return int(row[0]), row[1]


async def bodies(session: AsyncSession) -> dict[str, str]:
    return {row.kind: row.body for row in await session.scalars(select(IpList))}
