"""POST /v1/admin/shares/{id}/refund: credit goes back through the gateway that took it,
once per Idempotency-Key, never more than the credit."""

from __future__ import annotations

import uuid

import httpx
import pytest
from sqlalchemy import func, select

from api.app import create_app
from db.integrity import balance_finding
from db.models import Payment, Refund
from tests.support.api import ADMIN, OPS
from tests.support.razorpay import razorpay_settings
from tests.support.records import share_row, share_with_credit


@pytest.fixture
async def admin_api(time_skipping_env, deps, api_settings, razorpay_gateway):
    settings = api_settings.model_copy(update=razorpay_settings(razorpay_gateway[1]))
    app = create_app(settings, deps=deps, temporal=time_skipping_env.client)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://api") as client:
        yield client


async def _share_with_credit(deps, provider: str, over: str = "40.00") -> tuple[str, str]:
    event_id = await share_with_credit(deps, provider, over)
    async with deps.sessions() as s:
        txn = await s.scalar(
            select(Payment.transaction_id).where(
                Payment.event_id == event_id, Payment.status == "credited"
            )
        )
    return event_id, txn


def _url(event_id: str) -> str:
    return f"/v1/admin/shares/{event_id}/refund"


async def test_a_refund_replayed_twice_refunds_once_through_razorpay(
    admin_api, deps, razorpay_gateway
):
    event_id, txn = await _share_with_credit(deps, "razorpay")
    key = {"Idempotency-Key": f"refund-{uuid.uuid4().hex}", **ADMIN}
    body = {"amount": "25.5", "note": "paid twice by mistake"}

    answers = [await admin_api.post(_url(event_id), json=body, headers=key) for _ in range(3)]
    assert all(a.status_code == 200 for a in answers), answers[0].text
    assert len({a.text for a in answers}) == 1
    refund = answers[0].json()
    assert (refund["amount"], refund["provider"], refund["status"]) == (
        "25.50",
        "razorpay",
        "refunded",
    )
    [made] = razorpay_gateway[0].state.refunds.values()
    assert (made["payment_id"], made["amount"], made["id"]) == (
        txn,
        2550,
        refund["gateway_refund_id"],
    )

    share = (await admin_api.get(f"/v1/shares/{event_id}", headers=OPS)).json()
    assert (share["credit"], share["refunded"]) == ("14.50", "25.50")
    async with deps.sessions() as s:
        assert (
            await s.scalar(
                select(func.count()).select_from(Refund).where(Refund.event_id == event_id)
            )
            == 1
        )
    assert balance_finding(await share_row(deps, event_id), deps.cipher) is None


async def test_more_than_the_credit_or_a_reused_key_is_refused(admin_api, deps):
    event_id, _ = await _share_with_credit(deps, "standard", over="10.00")
    key = f"refund-{uuid.uuid4().hex}"
    too_much = await admin_api.post(
        _url(event_id), json={"amount": "10.01"}, headers={"Idempotency-Key": key, **ADMIN}
    )
    assert too_much.status_code == 409 and "10.00 USDT" in too_much.json()["error"]["message"]

    manual = await admin_api.post(
        _url(event_id), json={"amount": "10"}, headers={"Idempotency-Key": key, **ADMIN}
    )
    assert manual.status_code == 200
    assert (manual.json()["provider"], manual.json()["status"]) == ("standard", "manual")
    other = await admin_api.post(
        _url(event_id), json={"amount": "5"}, headers={"Idempotency-Key": key, **ADMIN}
    )
    assert other.status_code == 409
    missing = await admin_api.post(_url(event_id), json={"amount": "1"}, headers=ADMIN)
    assert missing.status_code in (400, 422)
    as_ops = await admin_api.post(
        _url(event_id), json={"amount": "1"}, headers={"Idempotency-Key": key, **OPS}
    )
    assert as_ops.status_code == 403


async def test_a_retry_of_an_amount_finer_than_a_cent_gets_the_same_answer(admin_api, deps):
    """The refund rounds halves up (10.005 -> 10.01); the retry must be compared the same way,
    or a client retrying after a lost answer is told the key named another refund."""
    event_id, _ = await _share_with_credit(deps, "standard")
    headers = {"Idempotency-Key": f"refund-{uuid.uuid4().hex}", **ADMIN}
    body = {"amount": "10.005", "note": "half a cent"}
    first = await admin_api.post(_url(event_id), json=body, headers=headers)
    assert (first.status_code, first.json()["amount"]) == (200, "10.01"), first.text
    again = await admin_api.post(_url(event_id), json=body, headers=headers)
    assert (again.status_code, again.text) == (200, first.text)
