"""The starter's claim (db/admission.claim_queued) locks its rows so that another starter
skips them, but not so that a share started in the same round waits to write its own row."""

from __future__ import annotations

from sqlalchemy import text

from db import admission
from db.models import Share
from tests.support.records import queued_event


async def test_a_claimed_event_still_takes_its_share_row_and_another_starter_skips_it(
    own_deps,
):
    async with own_deps() as deps:
        async with deps.sessions.begin() as s:
            s.add(queued_event(deps.cipher, "evt_q"))
        async with deps.sessions.begin() as starter:
            assert [q.event_id for q in await admission.claim_queued(starter, 10)] == ["evt_q"]
            async with deps.sessions.begin() as other:  # skipped, not waited for
                assert await admission.claim_queued(other, 10) == []
            # The share's first activity, while the round that started it has not committed.
            async with deps.sessions.begin() as activity:
                await activity.execute(text("SET LOCAL lock_timeout = '2s'"))
                activity.add(
                    Share(
                        event_id="evt_q",
                        user_id="u_evt_q",
                        status="received",
                        currency="USDT",
                        reported_profit_enc=deps.cipher.encrypt("1000"),
                    )
                )
            await admission.mark_started(
                starter, ["evt_q"], await starter.scalar(text("SELECT now()"))
            )
