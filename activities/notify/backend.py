"""DELIVER_STANDING: pushes a user's queued standing changes to BACKEND_WEBHOOK_URL.

Signed per Standard Webhooks by the `standardwebhooks` library: webhook-id is the outbox
row's (the same on every attempt, so the backend can drop repeats), webhook-timestamp is
the send time (receivers refuse old ones, so each attempt is signed afresh). Rows go out
one at a time in seq order; the first failure stops the run and raises, so Temporal retries
and nothing later overtakes it. A Postgres advisory lock per user keeps two workflows of
one user from delivering at the same time.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import UTC, datetime

import httpx
from sqlalchemy import func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from standardwebhooks import Webhook
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.notify.contracts import DELIVER_STANDING, DeliverStandingInput
from db.models import StandingOutboxRow

# Advisory-lock namespace of standing deliveries (db/audit.py's chain lock is another).
_LOCK_NAMESPACE = 7_410_002
BACKEND_REFUSED = "BackendWebhookFailed"


def user_lock_key(user_id: str) -> int:
    """A stable 32-bit key per user for pg_advisory_xact_lock(namespace, key)."""
    return int.from_bytes(hashlib.sha256(user_id.encode()).digest()[:4], "big", signed=True)


def body_of(row: StandingOutboxRow) -> bytes:
    """Standard Webhooks' envelope: type, when the change happened, and the data."""
    envelope = {"type": row.event_type, "timestamp": row.payload["at"], "data": row.payload}
    return json.dumps(envelope, separators=(",", ":")).encode()


class BackendWebhooks:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        http: httpx.AsyncClient,
        *,
        url: str | None,
        secret: str | None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        """`secret` is the `whsec_...` key; required when `url` is set."""
        if url is not None and not secret:
            raise ValueError("BACKEND_WEBHOOK_URL is set but BACKEND_WEBHOOK_SECRET is not")
        self._sessions = sessions
        self._http = http
        self._url = url
        self._webhook = Webhook(secret) if url is not None and secret else None
        self._clock = clock

    @activity.defn(name=DELIVER_STANDING)
    async def deliver_standing(self, cmd: DeliverStandingInput) -> int:
        """Delivers every undelivered change of the user in order; returns how many it sent."""
        if self._url is None:
            return 0
        # The lock lives in this session's open transaction: ended (and so released) when the
        # session closes, or by the server if this worker dies; never left on a pooled
        # connection.
        async with self._sessions() as lock:
            await lock.execute(
                text("SELECT pg_advisory_xact_lock(:ns, :key)"),
                {"ns": _LOCK_NAMESPACE, "key": user_lock_key(cmd.user_id)},
            )
            sent = 0
            while (row := await self._next(cmd.user_id)) is not None:
                await self._send(row)
                sent += 1
            return sent

    async def _next(self, user_id: str) -> StandingOutboxRow | None:
        async with self._sessions() as s:
            return await s.scalar(
                select(StandingOutboxRow)
                .where(
                    StandingOutboxRow.user_id == user_id, StandingOutboxRow.delivered_at.is_(None)
                )
                .order_by(StandingOutboxRow.seq)
                .limit(1)
            )

    async def _send(self, row: StandingOutboxRow) -> None:
        assert self._url is not None and self._webhook is not None
        body = body_of(row)
        now = self._clock()
        headers = {
            "content-type": "application/json",
            "webhook-id": row.webhook_id,
            "webhook-timestamp": str(int(now.timestamp())),
            "webhook-signature": self._webhook.sign(row.webhook_id, now, body.decode()),
        }
        try:
            response = await self._http.post(self._url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            await self._attempted(row, delivered=False)
            raise ApplicationError(
                f"backend webhook {row.webhook_id} not delivered: {type(exc).__name__}",
                type=BACKEND_REFUSED,
            ) from None
        delivered = response.is_success
        await self._attempted(row, delivered=delivered)
        if not delivered:
            raise ApplicationError(
                f"backend answered {response.status_code} to webhook {row.webhook_id}",
                type=BACKEND_REFUSED,
            )

    async def _attempted(self, row: StandingOutboxRow, *, delivered: bool) -> None:
        """Counts the attempt, and marks the row delivered, in its own committed transaction."""
        values: dict = {"attempts": StandingOutboxRow.attempts + 1}
        if delivered:
            values["delivered_at"] = func.now()
        async with self._sessions.begin() as s:
            await s.execute(
                update(StandingOutboxRow).where(StandingOutboxRow.id == row.id).values(**values)
            )
