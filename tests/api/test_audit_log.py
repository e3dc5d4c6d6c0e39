"""GET /v1/admin/audit: who did what, newest first, filtered and paged."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from db.tokens import hash_token
from tests.support.api import ADMIN, BACKEND, OPS
from tests.support.risk import uid

ADMIN_LABEL = f"bootstrap-{hash_token('test-admin')[:10]}"


async def _user(api) -> str:
    user = uid()
    body = {"user_id": user, "action": "login"}  # no signup: other tests count those per IP
    assert (await api.post("/v1/risk/assess", json=body, headers=BACKEND)).status_code == 200
    return user


async def test_ops_see_who_blocked_a_user_newest_first(api):
    user = await _user(api)
    for action in ("block", "unblock", "block"):
        await api.post(f"/v1/admin/users/{user}/{action}", json={"note": action}, headers=ADMIN)
    page = await api.get("/v1/admin/audit", params={"subject": f"user/{user}"}, headers=OPS)
    assert page.status_code == 200
    entries = page.json()["entries"]
    assert [e["action"] for e in entries] == ["user.blocked", "user.unblocked", "user.blocked"]
    assert [e["details"]["reason"] for e in entries] == ["block", "unblock", "block"]
    assert entries[0]["actor"] == {
        "kind": "token",
        "token_id": None,
        "label": ADMIN_LABEL,
        "role": "admin",
        "name": None,
    }
    assert entries[0]["seq"] > entries[1]["seq"] > entries[2]["seq"]


async def test_filters_and_pages(api):
    user = await _user(api)
    start = datetime.now(UTC) - timedelta(seconds=1)
    for action in ("block", "unblock", "block", "unblock"):
        await api.post(f"/v1/admin/users/{user}/{action}", headers=ADMIN)
    subject = {"subject": f"user/{user}"}

    async def seqs(**params) -> tuple[list[int], int | None]:
        got = await api.get("/v1/admin/audit", params={**subject, **params}, headers=OPS)
        assert got.status_code == 200, got.text
        return [e["seq"] for e in got.json()["entries"]], got.json()["next_before"]

    everything, _ = await seqs()
    first, cursor = await seqs(limit=3)
    rest, last = await seqs(limit=3, before=cursor)
    assert (first + rest, last) == (everything, None)
    assert len((await seqs(action="user.unblocked"))[0]) == 2
    assert (await seqs(actor=ADMIN_LABEL))[0] == everything
    assert (await seqs(actor="admin"))[0] == everything  # the role
    assert (await seqs(actor="workflow"))[0] == []
    assert (await seqs(since=start.isoformat()))[0] == everything
    assert (await seqs(until=start.isoformat()))[0] == []


async def test_backend_tokens_may_not_read_the_audit(api):
    assert (await api.get("/v1/admin/audit", headers=BACKEND)).status_code == 403
