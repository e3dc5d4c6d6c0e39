"""Adversarial review (rev-wf): a dispute of a share whose workflow completed in collections.

The share is still `open` (owed) in Postgres, so the dispute route stores the dispute and
commits, then finds no workflow: 409. The resolution route then commits the admin's outcome
and its audit entry, finds no workflow: 409; the admin's retry is answered 202 "a repeat".
Nothing changed the share: it is still owed, the user still locked. FAILS on main (see
/tmp/review/workflow.md)."""

from __future__ import annotations

from datetime import timedelta

from tests.support.api import ADMIN, BACKEND, OPS
from workflows.ids import share_workflow_id


async def test_a_cancelled_dispute_of_a_share_in_collections_is_not_answered_202(
    api, open_share, time_skipping_env
):
    await time_skipping_env.sleep(timedelta(days=61))
    handle = time_skipping_env.client.get_workflow_handle(share_workflow_id(open_share))
    assert (await handle.result())["status"] == "open"  # completed, handed to collections

    disputed = await api.post(
        f"/v1/shares/{open_share}/dispute", json={"reason": "not my trades"}, headers=BACKEND
    )
    assert disputed.status_code == 409, disputed.text
    url = f"/v1/admin/shares/{open_share}/dispute-resolution"
    cancel = {"outcome": "cancelled", "note": "not owed"}
    first = await api.post(url, json=cancel, headers=ADMIN)
    retried = await api.post(url, json=cancel, headers=ADMIN)  # the admin tries again
    share = (await api.get(f"/v1/shares/{open_share}", headers=OPS)).json()
    audit = (await api.get("/v1/admin/audit", params={"subject": open_share}, headers=OPS)).json()
    actions = [e["action"] for e in audit.get("entries", audit.get("items", []))]
    # Nothing was cancelled: the share is still owed. No answer may say otherwise.
    assert share["status"] == "open"
    assert (first.status_code, retried.status_code) == (409, 409), (
        first.status_code,
        retried.status_code,
        share.get("dispute"),
        actions,
    )
