"""POST /v1/admin/users/{user_id}/block and /unblock: audited, and standing follows at once."""

from __future__ import annotations

from db import audit
from db.audit import Actor
from tests.support.api import ADMIN, BACKEND, OPS
from tests.support.audit import details
from tests.support.risk import CLEAN_IP, uid


async def known_user(api) -> str:
    user = uid()
    response = await api.post(
        "/v1/risk/assess",
        json={"user_id": user, "action": "signup", "ip": CLEAN_IP},
        headers=BACKEND,
    )
    assert response.status_code == 200
    return user


async def standing(api, user: str) -> dict:
    return (await api.get(f"/v1/users/{user}/standing", headers=BACKEND)).json()


async def test_only_admins_block_and_unknown_users_are_404(api):
    user = await known_user(api)
    for headers in (OPS, BACKEND):
        assert (await api.post(f"/v1/admin/users/{user}/block", headers=headers)).status_code == 403
    response = await api.post("/v1/admin/users/u_nobody_here/block", headers=ADMIN)
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


async def test_a_blocked_user_cannot_trade_until_unblocked(api, deps):
    user = await known_user(api)
    assert (await standing(api, user))["can_trade"] is True

    blocked = await api.post(
        f"/v1/admin/users/{user}/block", json={"note": "chargeback fraud"}, headers=ADMIN
    )
    assert blocked.json() == {"user_id": user, "blocked": True, "changed": True}
    after = await standing(api, user)
    assert (after["blocked"], after["can_trade"]) == (True, False)
    again = await api.post(f"/v1/admin/users/{user}/block", headers=ADMIN)
    assert again.json()["changed"] is False  # already blocked: nothing written twice

    unblocked = await api.post(f"/v1/admin/users/{user}/unblock", headers=ADMIN)
    assert unblocked.json() == {"user_id": user, "blocked": False, "changed": True}
    assert (await standing(api, user))["can_trade"] is True

    async with deps.sessions() as s:
        entries = await audit.entries_for(s, f"user/{user}")
    assert [e.action for e in entries] == ["user.blocked", "user.unblocked"]
    assert all(Actor.parse(e.actor).role == "admin" for e in entries)
    assert all(Actor.parse(e.actor).label.startswith("bootstrap-") for e in entries)
    assert await details(deps, entries[0]) == {"reason": "chargeback fraud"}
