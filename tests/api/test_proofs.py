"""Manual UPI payment proofs: the documented refusals, and the admin's decision."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from api.app import create_app
from tests.support.api import ADMIN, BACKEND, OPS, in_process, pay_by_standard
from tests.support.proofs import proof_body as _proof
from tests.support.proofs import proofs_url as _url
from tests.support.proofs import utr as _utr
from tests.support.scenario import eventually, share_in
from tests.support.webhook_calls import alerts
from workflows.ids import share_workflow_id
from workflows.share import ShareWorkflow


async def _workflow_proofs(env, event_id: str) -> list:
    view = await env.client.get_workflow_handle(share_workflow_id(event_id)).query(
        ShareWorkflow.status
    )
    return view.proofs


async def test_each_bad_proof_gets_its_documented_error_and_never_reaches_the_workflow(
    api, open_share, time_skipping_env
):
    reused_utr, ok_2, ok_3 = _utr(), _utr(), _utr()
    first = await api.post(_url(open_share), json=_proof(txn=reused_utr), headers=BACKEND)
    assert first.status_code == 202, first.text
    assert first.json()["status"] == "pending_review"

    # The same UTR however it is written: a trailing dot, spaces, a leading zero.
    spaced = " ".join(reused_utr[i : i + 4] for i in range(0, 12, 4))
    for again in (reused_utr, reused_utr + ".", spaced, "0" + reused_utr):
        reused = await api.post(_url(open_share), json=_proof(txn=again), headers=BACKEND)
        assert reused.status_code == 409 and reused.json()["error"]["code"] == "conflict"
    not_utr = await api.post(_url(open_share), json=_proof(txn="UPI-NOT-A-UTR"), headers=BACKEND)
    assert not_utr.status_code == 422
    assert not_utr.json()["error"]["details"][0]["field"] == "transaction_id"

    old = datetime.now(UTC) - timedelta(minutes=31)
    stale = await api.post(_url(open_share), json=_proof(paid_at=old), headers=BACKEND)
    assert stale.status_code == 422 and "30 minutes" in stale.json()["error"]["message"]

    wrong = await api.post(_url(open_share), json=_proof("150.00"), headers=BACKEND)
    assert wrong.status_code == 422
    assert wrong.json()["error"]["details"] == [{"field": "amount", "expected": "142.50"}]

    # Refused proofs cost nothing; the 4th accepted one within 15 minutes is refused.
    for txn in (ok_2, ok_3):
        response = await api.post(_url(open_share), json=_proof(txn=txn), headers=BACKEND)
        assert response.status_code == 202
    fourth = await api.post(_url(open_share), json=_proof(txn=_utr()), headers=BACKEND)
    assert fourth.status_code == 429 and fourth.json()["error"]["code"] == "rate_limited"

    expected = [reused_utr, ok_2, ok_3]
    proofs = await _workflow_proofs(time_skipping_env, open_share)
    assert [p.transaction_id for p in proofs] == expected
    share = (await api.get(f"/v1/shares/{open_share}", headers=OPS)).json()
    assert [p["transaction_id"] for p in share["proofs"]] == expected


async def test_a_future_payment_time_and_a_foreign_currency_are_refused(api, open_share):
    future = datetime.now(UTC) + timedelta(minutes=10)
    response = await api.post(_url(open_share), json=_proof(paid_at=future), headers=BACKEND)
    assert response.status_code == 422 and "future" in response.json()["error"]["message"]
    inr = _proof() | {"currency": "INR"}
    response = await api.post(_url(open_share), json=inr, headers=BACKEND)
    assert response.status_code == 422 and response.json()["error"]["details"][0]["field"] == (
        "currency"
    )


async def test_the_limit_is_shared_by_every_api_process(
    api, open_share, time_skipping_env, deps, api_settings
):
    """Two API processes, one store: 2 proofs through one and 1 through the other use it up."""
    other = create_app(api_settings, deps=deps, temporal=time_skipping_env.client)
    async with in_process(other, base_url="http://other") as second:
        for client in (api, api, second):
            accepted = await client.post(_url(open_share), json=_proof(), headers=BACKEND)
            assert accepted.status_code == 202
        for client in (api, second):
            refused = await client.post(_url(open_share), json=_proof(), headers=BACKEND)
            assert refused.status_code == 429


async def test_approval_pays_the_share(api, open_share):
    proof = (await api.post(_url(open_share), json=_proof(), headers=BACKEND)).json()
    decision = f"/v1/admin/payment-proofs/{proof['proof_id']}/decision"
    assert (await api.post(decision, json={"decision": "approve"}, headers=OPS)).status_code == 403
    response = await api.post(decision, json={"decision": "approve"}, headers=ADMIN)
    assert response.status_code == 202 and response.json()["status"] == "approved"
    again = await api.post(decision, json={"decision": "approve"}, headers=ADMIN)
    assert again.status_code == 202  # a repeat is answered the same, applied once
    other = await api.post(decision, json={"decision": "reject"}, headers=ADMIN)
    assert other.status_code == 409

    paid = await share_in(api, open_share, "paid")
    assert Decimal(paid["amount_paid"]) == Decimal("142.50")
    assert [(p["provider"], p["applied"]) for p in paid["payments"]] == [("upi_proof", True)]
    assert paid["proofs"][0]["status"] == "approved"


async def test_a_rejected_proof_leaves_the_share_open(api, open_share, time_skipping_env):
    proof = (await api.post(_url(open_share), json=_proof(), headers=BACKEND)).json()
    decision = f"/v1/admin/payment-proofs/{proof['proof_id']}/decision"
    body = {"decision": "request_new_proof", "note": "the screenshot is cropped"}
    assert (await api.post(decision, json=body, headers=ADMIN)).status_code == 202

    async def marked():
        proofs = await _workflow_proofs(time_skipping_env, open_share)
        return proofs if proofs[0].status == "new_proof_requested" else None

    await eventually(marked)
    share = (await api.get(f"/v1/shares/{open_share}", headers=OPS)).json()
    assert share["status"] == "open" and share["payments"] == []
    assert share["proofs"][0]["status"] == "new_proof_requested"


async def test_unknown_share_and_unknown_proof_are_404(api):
    assert (await api.post(_url("evt_nope"), json=_proof(), headers=BACKEND)).status_code == 404
    response = await api.post(
        "/v1/admin/payment-proofs/prf_nope/decision", json={"decision": "approve"}, headers=ADMIN
    )
    assert response.status_code == 404


async def test_a_proof_is_judged_at_its_paid_at_not_at_submission(api, open_share, deps):
    """Paid the discounted amount inside the window, submitted after it closed: accepted."""
    from db.models import Share

    closed = datetime.now(UTC) - timedelta(minutes=10)
    async with deps.sessions.begin() as s:
        share = await s.get(Share, open_share)
        share.discount_until = closed  # the window closed ten minutes ago
    inside = _proof("142.50", paid_at=closed - timedelta(minutes=5))
    accepted = await api.post(_url(open_share), json=inside, headers=BACKEND)
    assert accepted.status_code == 202, accepted.text

    after = await api.post(_url(open_share), json=_proof("142.50"), headers=BACKEND)
    assert after.status_code == 422
    assert after.json()["error"]["details"] == [{"field": "amount", "expected": "150.00"}]


async def _pay_by_gateway(api, event_id: str, txn: str, amount: str) -> dict:
    reference = (await api.get(f"/v1/shares/{event_id}", headers=OPS)).json()["payment_reference"]
    return await pay_by_standard(api, reference, txn, amount)


async def test_a_utr_a_gateway_paid_while_its_proof_waited_cannot_be_approved(api, open_share):
    """The UTR is unique across all payments in both orders: submitted first, paid through a
    gateway meanwhile, the proof's approval is refused and it stays pending for rejection."""
    txn = _utr()
    proof = (await api.post(_url(open_share), json=_proof(txn=txn), headers=BACKEND)).json()
    assert await _pay_by_gateway(api, open_share, txn, "100.00") == {"result": "applied"}
    decision = f"/v1/admin/payment-proofs/{proof['proof_id']}/decision"
    refused = await api.post(decision, json={"decision": "approve"}, headers=ADMIN)
    assert refused.status_code == 409
    assert (
        refused.json()["error"]["message"]
        == "this transaction id was already paid through standard"
    )
    share = (await api.get(f"/v1/shares/{open_share}", headers=OPS)).json()
    assert (share["amount_paid"], share["proofs"][0]["status"]) == ("100.00", "pending_review")
    assert (await api.post(decision, json={"decision": "reject"}, headers=ADMIN)).status_code == 202


async def test_a_gateway_payment_with_an_approved_proofs_utr_is_refused_and_alerted(
    api, open_share, deps
):
    txn = _utr()
    proof = (await api.post(_url(open_share), json=_proof(txn=txn), headers=BACKEND)).json()
    decision = f"/v1/admin/payment-proofs/{proof['proof_id']}/decision"
    assert (await api.post(decision, json={"decision": "approve"}, headers=ADMIN)).is_success
    await share_in(api, open_share, "paid")
    assert await _pay_by_gateway(api, open_share, txn, "150.00") == {"result": "refused"}
    share = (await api.get(f"/v1/shares/{open_share}", headers=OPS)).json()
    assert (share["amount_paid"], share["credit"]) == ("142.50", "0.00")
    assert await alerts(deps, f"refused:standard:{txn}") == ["ops/alerts payment.refused"]
