"""Messages to users (reminder, warning, ..., paid) through a `Notifier`, once per share and
stage however often Temporal runs NOTIFY_USER.

The notifications row (key "{event_id}:{stage}") is written before sending and marked sent
after. One window is unavoidable: the provider took the message and the worker died (or
the mark failed) before the mark committed. The retry then sends again, with the same
Idempotency-Key, and the provider drops the repeat; a provider without idempotency keys
would deliver it twice. Holding a database transaction open across the provider call
would not close the window, only move it.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Protocol, cast

import httpx
from sqlalchemy import Table, bindparam, exists, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.notify.contracts import NOTIFICATION_REFUSED, NOTIFY_USER, NotifyUserInput
from db.engine import autocommit
from db.models import Notification
from domain.notifications import Message, MissingParams, TemplateName, render

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class OutgoingMessage:
    """One rendered message for one user, as every notifier receives it."""

    user_id: str
    channel: str
    template: TemplateName
    params: Mapping[str, str]
    message: Message
    idempotency_key: str


class Notifier(Protocol):
    async def send(self, out: OutgoingMessage) -> str | None:
        """Hands one message to the provider; returns the provider's message id if any."""
        ...


class HttpNotifier:
    """An email/SMS provider's HTTP API: POST JSON, bearer token, Idempotency-Key header."""

    def __init__(self, http: httpx.AsyncClient, *, url: str, token: str) -> None:
        self._http, self._url, self._token = http, url, token

    async def send(self, out: OutgoingMessage) -> str | None:
        response = await self._http.post(
            self._url,
            json={
                "user_id": out.user_id,
                "channel": out.channel,
                "template": out.template,
                "params": dict(out.params),
                "subject": out.message.subject,
                "text": out.message.text,
            },
            headers={
                "Authorization": f"Bearer {self._token}",
                "Idempotency-Key": out.idempotency_key,
            },
        )
        if 400 <= response.status_code < 500 and response.status_code not in (408, 409, 429):
            raise ApplicationError(
                f"notification provider refused the message ({response.status_code})",
                type=NOTIFICATION_REFUSED,
                non_retryable=True,
            )
        response.raise_for_status()  # 5xx and the like: Temporal retries
        return str(response.json().get("id") or "") or None


@dataclass
class RecordingNotifier:
    """Tests: keeps every message handed to it, in order."""

    sent: list[OutgoingMessage] = field(default_factory=list)

    async def send(self, out: OutgoingMessage) -> str | None:
        self.sent.append(out)
        return f"recorded-{len(self.sent)}"


class LogNotifier:
    """Dev without NOTIFIER_URL: the message goes to the log (ids and subject only)."""

    async def send(self, out: OutgoingMessage) -> str | None:
        subject, key = out.message.subject, out.idempotency_key
        log.info("notify %s by %s: %s [%s]", out.user_id, out.channel, subject, key)
        return None


# The row written unless it exists, and its sent_at either way, in one statement: the
# inserted row's (None) or the existing row's.
_table = cast(Table, Notification.__table__)
_CLAIMED = ("key", "event_id", "user_id", "stage", "template", "channel")
_inserted = (
    insert(_table)
    .values({name: bindparam(f"claim_{name}") for name in _CLAIMED})
    .on_conflict_do_nothing(index_elements=[_table.c.key])
    .returning(_table.c.sent_at)
    .cte("inserted")
)
_CLAIM = select(_inserted.c.sent_at).union_all(
    select(_table.c.sent_at).where(
        _table.c.key == bindparam("claim_key"), ~exists(select(_inserted.c.sent_at))
    )
)
_MARK_SENT = (
    update(_table)
    .where(_table.c.key == bindparam("sent_key"), _table.c.sent_at.is_(None))
    .values(sent_at=func.now(), provider_id=bindparam("sent_by"))
)


class UserNotifications:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], notifier: Notifier) -> None:
        self._sessions = sessions
        self._notifier = notifier

    @asynccontextmanager
    async def _autocommitting(self) -> AsyncIterator[AsyncSession]:
        """A session whose statements are each whole on their own: no BEGIN, no COMMIT. Not
        held across the provider's call, so its connection serves others meanwhile."""
        async with self._sessions() as s:
            await autocommit(s)
            yield s

    @activity.defn(name=NOTIFY_USER)
    async def notify_user(self, cmd: NotifyUserInput) -> bool:
        """Sends the stage's message unless it was sent before; True if sent by this call."""
        key = f"{cmd.event_id}:{cmd.stage}"
        try:  # a missing param is a bug in the caller: fail before storing, and for good
            message = render(cmd.template, cmd.params)
        except MissingParams as missing:
            raise ApplicationError(
                str(missing), type=NOTIFICATION_REFUSED, non_retryable=True
            ) from None
        row = {name: getattr(cmd, name) for name in _CLAIMED if name != "key"} | {"key": key}
        async with self._autocommitting() as s:
            if await s.scalar(_CLAIM, {f"claim_{k}": v for k, v in row.items()}) is not None:
                return False  # sent before
        out = OutgoingMessage(cmd.user_id, cmd.channel, cmd.template, cmd.params, message, key)
        provider_id = await self._notifier.send(out)
        async with self._autocommitting() as s:
            await s.execute(_MARK_SENT, {"sent_key": key, "sent_by": provider_id})
        return True
