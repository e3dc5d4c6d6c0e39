"""POST /v1/admin/shares/{event_id}/review: admins decide shares held for review."""

from __future__ import annotations

from tests.support.api import ADMIN, BACKEND, OPS
from tests.support.scenario import share_in, submit_event
from workers.worker import build_worker

APPROVE = {"decision": "approve", "verified_profit": "400.00", "note": "matches the fills"}


def _review_url(event_id: str) -> str:
    return f"/v1/admin/shares/{event_id}/review"


async def test_only_admins_review_and_unknown_shares_are_404(api):
    for headers in (OPS, BACKEND):
        response = await api.post(_review_url("evt_unknown"), json=APPROVE, headers=headers)
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "forbidden"
    assert (await api.post(_review_url("evt_unknown"), json=APPROVE)).status_code == 401
    response = await api.post(_review_url("evt_unknown"), json=APPROVE, headers=ADMIN)
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


async def test_bad_decisions_are_refused(api):
    for body in (
        {"decision": "maybe"},
        {"decision": "approve", "verified_profit": 400.0},  # a number, not a decimal string
        {"decision": "approve", "extra": True},
    ):
        response = await api.post(_review_url("evt_unknown"), json=body, headers=ADMIN)
        assert response.status_code == 422, body
        assert response.json()["error"]["code"] == "invalid"


async def test_an_open_share_is_not_under_review(api, worker, deps, emulator_url):
    event_id = await submit_event(api, deps, emulator_url, profit="1000", reported="1000")
    await share_in(api, event_id, "open")
    response = await api.post(_review_url(event_id), json=APPROVE, headers=ADMIN)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "conflict"


async def test_approval_opens_a_share_held_for_review(api, worker, deps, emulator_url):
    event_id = await submit_event(api, deps, emulator_url, profit="400", reported="1000")
    held = await share_in(api, event_id, "under_review")
    assert held["review_reasons"] == ["reported_profit_mismatch"]
    assert held["share_amount"] is None and held["payment_reference"] is None

    response = await api.post(_review_url(event_id), json=APPROVE, headers=ADMIN)
    assert response.status_code == 202
    assert response.json() == {"event_id": event_id, "decision": "approve"}
    opened = await share_in(api, event_id, "open")
    assert opened["verified_profit"] == "400.00" and opened["share_amount"] == "60.00"
    assert opened["payment_reference"]
    # Decided once: a late second decision is a conflict, not a silent change.
    response = await api.post(_review_url(event_id), json={"decision": "reject"}, headers=ADMIN)
    assert response.status_code == 409


async def test_rejection_closes_the_share(api, worker, deps, emulator_url):
    event_id = await submit_event(api, deps, emulator_url, profit="400", reported="1000")
    await share_in(api, event_id, "under_review")
    body = {"decision": "reject", "note": "fills do not support the claim"}
    response = await api.post(_review_url(event_id), json=body, headers=ADMIN)
    assert (response.status_code, response.json()["decision"]) == (202, "reject")
    rejected = await share_in(api, event_id, "rejected")
    assert rejected["share_amount"] is None and rejected["amount_due"] is None


async def test_a_second_different_decision_before_the_first_lands_is_a_conflict(
    api, deps, emulator_url, time_skipping_env, api_settings
):
    """Two admins, or an approve then a quick reject: the workflow keeps the first it hears,
    so the second, different one must not be answered 202 (and settle the inventory its way)."""
    async with build_worker(time_skipping_env.client, deps, api_settings):
        event_id = await submit_event(api, deps, emulator_url, profit="400", reported="1000")
        await share_in(api, event_id, "under_review")
    # No worker: the approval is recorded and told, the share still reads under_review.
    assert (await api.post(_review_url(event_id), json=APPROVE, headers=ADMIN)).status_code == 202
    again = await api.post(_review_url(event_id), json=APPROVE, headers=ADMIN)
    assert again.status_code == 202  # the same decision again: a repeat
    other = await api.post(_review_url(event_id), json={"decision": "reject"}, headers=ADMIN)
    assert other.status_code == 409
    assert other.json()["error"]["message"] == "the share was already reviewed: approve"
