"""A profit event recorded at intake: one statement when it is new.

Intake answers every event the backend sends, and in a burst those requests share the
machine with the shares they start (issue 20). A new event is one INSERT, run on its own
(autocommit): it checks that the exchange account is the user's and records the event, or
records nothing. Only when nothing was recorded (an unknown account, or the event again) is a
second statement run, to say which. The user needs no row of its own here: an exchange
account's user always has one (a foreign key), and the account is checked.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from sqlalchemy import Boolean, String, Table, bindparam, case, exists, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import ExchangeAccount, ProfitEventRow


class UnknownAccount(Exception):
    """The event names an exchange account that is not its user's (or none at all)."""


@dataclass(frozen=True)
class Recorded:
    """The event as recorded before this request: what it was, and whether it was started."""

    fingerprint: str
    started: bool


_EVENTS = cast(Table, ProfitEventRow.__table__)
_EVENT = bindparam("event_id", type_=String)
_USER = bindparam("user_id", type_=String)
_ACCOUNT = bindparam("account_id", type_=String)
_USERS_ACCOUNT = exists().where(ExchangeAccount.id == _ACCOUNT, ExchangeAccount.user_id == _USER)

# Built once: intake runs it for every event. started_at stays NULL while the API's starter
# queues it (api/admission.py); without a starter the caller starts it at once.
RECORD = (
    insert(_EVENTS)  # the table, not the entity: the ORM's bulk insert has no INSERT…SELECT
    .from_select(
        ["event_id", "user_id", "account_id", "fingerprint", "body_enc", "started_at"],
        select(
            _EVENT,
            _USER,
            _ACCOUNT,
            bindparam("fingerprint", type_=String),
            bindparam("body_enc", type_=String),
            case((bindparam("start_now", type_=Boolean), func.now()), else_=None),
        ).where(_USERS_ACCOUNT),
    )
    .on_conflict_do_nothing(index_elements=[_EVENTS.c.event_id])
    .returning(_EVENTS.c.event_id)
)
_KNOWN = ProfitEventRow.event_id == _EVENT
_BEFORE = select(
    _USERS_ACCOUNT.label("account_ok"),
    select(ProfitEventRow.fingerprint).where(_KNOWN).scalar_subquery(),
    select(ProfitEventRow.started_at.is_not(None)).where(_KNOWN).scalar_subquery(),
)


async def record(
    s: AsyncSession,
    *,
    event_id: str,
    user_id: str,
    account_id: str,
    fingerprint: str,
    body_enc: str,
    start_now: bool,
) -> Recorded | None:
    """Records the event; None if this call did, else the event recorded before it.

    Run it in autocommit (db.engine.autocommit): a concurrent request with the same event
    waits for this one's row and then finds it.

    Raises:
        UnknownAccount: the account is not `user_id`'s; nothing is recorded.
    """
    params = {
        "event_id": event_id,
        "user_id": user_id,
        "account_id": account_id,
        "fingerprint": fingerprint,
        "body_enc": body_enc,
        "start_now": start_now,
    }
    if await s.scalar(RECORD, params) is not None:
        return None
    account_ok, known, started = (await s.execute(_BEFORE, params)).one()
    if not account_ok:
        raise UnknownAccount(account_id)
    if known is None:  # recorded and gone since (erased): cannot be told from a clash
        raise RuntimeError(f"profit event {event_id} was neither recorded nor found")
    return Recorded(fingerprint=known, started=bool(started))
