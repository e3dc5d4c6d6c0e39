"""Standing changes are queued for the backend in the transaction that made them: the ones
the issue lists, numbered per user, once however often the transaction is retried."""

from __future__ import annotations

import asyncio

from tests.support.standing import new_user_id, outbox, set_standing


async def test_a_level_change_is_queued_with_the_new_standing(deps) -> None:
    user = new_user_id()
    await set_standing(deps, user, level=2, reason="day07-warning")
    (row,) = await outbox(deps, user)
    assert (row.seq, row.event_type, row.delivered_at, row.attempts) == (
        1,
        "standing.level_up",
        None,
        0,
    )
    assert row.webhook_id.startswith("msg_")
    assert row.payload["enforcement_level"] == 2
    assert row.payload["level_name"] == "warning"
    assert row.payload["reason"] == "day07-warning"
    assert row.payload["at"] == "2026-11-20T12:00:00+00:00"


async def test_recomputing_again_queues_nothing_new(deps) -> None:
    user = new_user_id()
    await set_standing(deps, user, level=3)
    await set_standing(deps, user)  # a retried ledger activity recomputes the same standing
    await set_standing(deps, user, trust=45)  # trust moved, still above 30: not news
    assert [r.event_type for r in await outbox(deps, user)] == ["standing.level_up"]


async def test_every_listed_change_is_queued_in_order(deps) -> None:
    user = new_user_id()
    await set_standing(deps, user, level=1)
    await set_standing(deps, user, trust=25)
    await set_standing(deps, user, blocked=True)
    await set_standing(deps, user, blocked=False, trust=35)
    await set_standing(deps, user, level=0)
    rows = await outbox(deps, user)
    assert [(r.seq, r.event_type) for r in rows] == [
        (1, "standing.level_up"),
        (2, "standing.trust_below_threshold"),
        (3, "standing.blocked"),
        (4, "standing.unblocked"),
        (5, "standing.level_down"),
    ]
    assert rows[3].payload["changes"] == ["unblocked", "trust_restored"]
    assert len({r.webhook_id for r in rows}) == len(rows)


async def test_concurrent_changes_of_one_user_get_distinct_seqs(deps) -> None:
    user = new_user_id()
    await set_standing(deps, user, trust=50)
    trusts = [20, 40, 20, 40, 20, 40]
    await asyncio.gather(*(set_standing(deps, user, trust=t) for t in trusts))
    seqs = [r.seq for r in await outbox(deps, user)]
    assert seqs == list(range(1, len(seqs) + 1))
