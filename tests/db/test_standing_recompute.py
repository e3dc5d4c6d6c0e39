"""Recomputing a standing is two round trips when nothing is news: the user's row locked,
then their level, their terms and the standing the backend was last told, read together."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from db import standing
from db.consents import publish_terms_standing
from db.privacy_models import Terms
from tests.support.standing import AT, new_user_id, outbox, set_standing
from tests.support.statements import statements


async def test_a_recompute_with_nothing_new_is_the_lock_and_one_read(deps) -> None:
    user = new_user_id()
    await set_standing(deps, user, level=2)  # told once: level_up
    async with deps.sessions.begin() as s:
        with statements() as seen:
            levels = await standing.recompute(s, deps.hasher, user, deps.policy.trust, at=AT)
    assert levels == (2, 2)
    assert len(seen) == 2, seen
    assert seen[0][0].rstrip().endswith("FOR UPDATE"), seen[0][0]
    read = seen[1][0]
    assert "FROM shares" in read and "FROM terms" in read and "FROM standing_outbox" in read
    assert [r.event_type for r in await outbox(deps, user)] == ["standing.level_up"]


async def test_a_user_not_on_record_has_the_level_of_their_shares_and_nothing_is_told(
    deps,
) -> None:
    user = new_user_id()
    async with deps.sessions.begin() as s:
        levels = await standing.recompute(s, deps.hasher, user, deps.policy.trust, at=AT)
    assert levels == (0, 0)
    assert await outbox(deps, user) == []


async def test_a_recompute_that_waited_for_new_terms_tells_them_not_accepted(own_deps) -> None:
    """New terms queue every user's standing under their rows' locks, without their audit
    chains. A recompute waiting on that lock must judge the terms as they are once it has
    the row, or it would tell the backend a user who never accepted them may trade."""
    async with own_deps() as deps:
        user = new_user_id()
        await set_standing(deps, user)  # on record, nothing told yet
        async with deps.sessions.begin() as terms:
            terms.add(
                Terms(
                    version="t-race",
                    url="https://example.test/terms",
                    effective_at=AT - timedelta(days=1),
                    set_by="test",
                    set_at=AT,
                )
            )
            await terms.flush()
            assert await publish_terms_standing(terms, AT, deps.policy.trust) == 1  # row locked
            # A share reaches level 2 meanwhile; its recompute waits for the user's row.
            waiting = asyncio.create_task(set_standing(deps, user, level=2, reason="day07"))
            await asyncio.sleep(0.5)
            assert not waiting.done()
        await waiting
        told = await outbox(deps, user)
    assert [r.payload["terms_accepted"] for r in told] == [False, False]
    assert told[1].payload["enforcement_level"] == 2 and not told[1].payload["can_trade"]
