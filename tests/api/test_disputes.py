"""Disputes, waivers, exemptions and payment flags over HTTP."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from domain.models import PaymentSignal
from tests.support.api import ADMIN, BACKEND, OPS
from tests.support.payments import record_payment
from tests.support.scenario import eventually, share_in, submit_event
from tests.support.scenario import share_in as _share_in
from workflows.ids import share_workflow_id
from workflows.share import ShareWorkflow


@pytest.fixture
async def open_share(api, worker, deps, emulator_url) -> str:
    event_id = await submit_event(api, deps, emulator_url, profit="1000", reported="1000")
    await share_in(api, event_id, "open")
    return event_id


def _resolution_url(event_id: str) -> str:
    return f"/v1/admin/shares/{event_id}/dispute-resolution"


async def test_a_dispute_is_opened_once_and_resolved_by_an_admin(api, open_share):
    url = f"/v1/shares/{open_share}/dispute"
    assert (await api.post(url, json={"reason": "not my trades"}, headers=OPS)).status_code == 403
    assert (await api.post(url, json={"reason": ""}, headers=BACKEND)).status_code == 422
    opened = await api.post(url, json={"reason": "not my trades"}, headers=BACKEND)
    assert opened.status_code == 202 and opened.json() == {
        "event_id": open_share,
        "status": "disputed",
    }
    again = await api.post(url, json={"reason": "still not mine"}, headers=BACKEND)
    assert again.status_code == 409
    disputed = await share_in(api, open_share, "disputed")
    assert disputed["dispute"]["reason"] == "not my trades"

    resolution = _resolution_url(open_share)
    upheld = {"outcome": "upheld", "note": "fills match"}
    assert (await api.post(resolution, json=upheld, headers=BACKEND)).status_code == 403
    bad = {"outcome": "adjusted", "note": "no profit given"}
    assert (await api.post(resolution, json=bad, headers=ADMIN)).status_code == 422
    assert (await api.post(resolution, json=upheld, headers=ADMIN)).status_code == 202
    assert (await api.post(resolution, json=upheld, headers=ADMIN)).status_code == 202
    cancel = {"outcome": "cancelled"}
    assert (await api.post(resolution, json=cancel, headers=ADMIN)).status_code == 409
    reopened = await share_in(api, open_share, "open")
    assert reopened["dispute"]["outcome"] == "upheld"


async def test_disputes_of_unknown_or_closed_shares_are_refused(api, open_share):
    missing = await api.post("/v1/shares/evt_nope/dispute", json={"reason": "x"}, headers=BACKEND)
    assert missing.status_code == 404
    no_dispute = await api.post(
        _resolution_url(open_share), json={"outcome": "upheld"}, headers=ADMIN
    )
    assert no_dispute.status_code == 404
    await api.post(f"/v1/admin/shares/{open_share}/waive", json={"note": "test"}, headers=ADMIN)
    await share_in(api, open_share, "waived")
    closed = await api.post(
        f"/v1/shares/{open_share}/dispute", json={"reason": "x"}, headers=BACKEND
    )
    assert closed.status_code == 409


async def test_waive_needs_an_admin_and_an_open_share(api, open_share):
    url = f"/v1/admin/shares/{open_share}/waive"
    assert (await api.post(url, json={"note": "goodwill"}, headers=OPS)).status_code == 403
    assert (await api.post(url, json={"kind": "forgive"}, headers=ADMIN)).status_code == 422
    response = await api.post(url, json={"note": "goodwill"}, headers=ADMIN)
    assert response.status_code == 202 and response.json()["kind"] == "waive"
    waived = await share_in(api, open_share, "waived")
    assert Decimal(waived["waived_amount"]) == Decimal("150.00")
    assert waived["closed_reason"] == "waive" and Decimal(waived["amount_due"]) == 0
    assert (await api.post(url, json={"note": "again"}, headers=ADMIN)).status_code == 409


async def test_an_exempt_user_keeps_trading_while_the_ladder_runs(
    api, open_share, time_skipping_env
):
    share = (await api.get(f"/v1/shares/{open_share}", headers=OPS)).json()
    user = share["user_id"]
    url = f"/v1/admin/users/{user}/exemption"
    assert (await api.post(url, json={"exempt": True}, headers=OPS)).status_code == 403
    response = await api.post(url, json={"exempt": True, "note": "market maker"}, headers=ADMIN)
    assert response.status_code == 200 and response.json()["exempt"] is True

    await time_skipping_env.sleep(timedelta(days=15))

    async def suspended_share():
        view = (await api.get(f"/v1/shares/{open_share}", headers=OPS)).json()
        return view if view["enforcement_level"] == 3 else None

    await eventually(suspended_share)
    standing = (await api.get(f"/v1/users/{user}/standing", headers=BACKEND)).json()
    assert standing["enforcement_level"] == 0 and standing["can_trade"] is True
    assert standing["open_shares"][0]["enforcement_level"] == 3  # still recorded

    lifted = await api.post(url, json={"exempt": False}, headers=ADMIN)
    assert lifted.json()["enforcement_level"] == 3
    standing = (await api.get(f"/v1/users/{user}/standing", headers=BACKEND)).json()
    assert standing["can_trade"] is False
    missing = await api.post(
        "/v1/admin/users/u_nobody/exemption", json={"exempt": True}, headers=ADMIN
    )
    assert missing.status_code == 404


async def test_an_admin_flags_a_payment_without_changing_money(
    api, deps, open_share, time_skipping_env
):
    handle = time_skipping_env.client.get_workflow_handle(share_workflow_id(open_share))
    payment = PaymentSignal(
        provider="standard",
        transaction_id="txn-flag-me",
        amount=Decimal("142.50"),
        currency="USDT",
        paid_at=await time_skipping_env.get_current_time(),
    )
    await record_payment(deps, open_share, payment)
    await handle.signal(ShareWorkflow.payment, payment)
    await _share_in(api, open_share, "paid")
    url = "/v1/admin/payments/standard/txn-flag-me/flag"
    body = {"note": "chargeback reported by the bank"}
    assert (await api.post(url, json=body, headers=OPS)).status_code == 403
    assert (await api.post(url, json={"note": ""}, headers=ADMIN)).status_code == 422
    flagged = await api.post(url, json=body, headers=ADMIN)
    assert flagged.status_code == 200
    assert (await api.post(url, json=body, headers=ADMIN)).json() == flagged.json()
    unknown = await api.post("/v1/admin/payments/standard/nope/flag", json=body, headers=ADMIN)
    assert unknown.status_code == 404
    share = (await api.get(f"/v1/shares/{open_share}", headers=OPS)).json()
    assert share["status"] == "paid" and share["payments"][0]["applied"] is True


async def test_a_share_whose_workflow_completed_in_collections_takes_no_dispute(
    api, open_share, time_skipping_env
):
    """The share stays owed after its workflow completed at day 60: a dispute is refused with
    nothing written, so there is nothing for an admin to resolve."""
    await time_skipping_env.sleep(timedelta(days=61))
    handle = time_skipping_env.client.get_workflow_handle(share_workflow_id(open_share))
    assert (await handle.result())["status"] == "open"  # completed, handed to collections

    disputed = await api.post(
        f"/v1/shares/{open_share}/dispute", json={"reason": "not my trades"}, headers=BACKEND
    )
    assert disputed.status_code == 409
    assert "workflow has completed" in disputed.json()["error"]["message"]
    url = f"/v1/admin/shares/{open_share}/dispute-resolution"
    cancel = {"outcome": "cancelled", "note": "not owed"}
    for _ in range(2):
        assert (await api.post(url, json=cancel, headers=ADMIN)).status_code == 404
    share = (await api.get(f"/v1/shares/{open_share}", headers=OPS)).json()
    assert (share["status"], share["dispute"]) == ("open", None)
    audit = (await api.get("/v1/admin/audit", params={"subject": open_share}, headers=OPS)).json()
    assert not [e for e in audit["entries"] if e["action"].startswith("dispute.")]
