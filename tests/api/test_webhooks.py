"""Gateway callbacks through the real API and the real share workflow: a signed success pays
the share exactly once; anything unsigned, tampered, stale, failed or unknown changes nothing
a user could see (beyond the unmatched money being kept on record for ops)."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from pydantic import SecretStr
from sqlalchemy import select

from db.models import AuditEntry, Payment
from tests.api.conftest import BACKEND, OPS, STANDARD_SECRET
from tests.domain.webhooks import samples
from tests.support.scenario import (
    eventually,
    register_account,
    round_trip,
    seed_emulator_account,
)

RAZORPAY_SECRET, CASHFREE_SECRET = "rzp_webhook_secret_t3st", "cfsk_ma_test_5ecret"
SALT_KEY, SALT_INDEX = "099eb0cd-02cf-4e2a-8aca-3e6c6aff0399", "1"
PP_USER, PP_PASSWORD = "merchant_cb", "cb-password-1"
WRONG_STANDARD = "whsec_" + "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo0NTY3ODk="
KINDS = ["razorpay", "cashfree", "phonepe_v1", "phonepe_v2", "standard"]
BODY_SIGNED = ["razorpay", "cashfree", "phonepe_v1", "standard"]  # PhonePe v2 signs no body
TIMESTAMPED = ["cashfree", "standard"]


@pytest.fixture
def api_settings(settings, emulator_url, task_queue):
    """Overrides tests/api/conftest.py: every gateway configured, shares billed in INR."""
    secrets = {
        "razorpay_webhook_secret": RAZORPAY_SECRET,
        "cashfree_client_secret": CASHFREE_SECRET,
        "phonepe_salt_key": SALT_KEY,
        "phonepe_callback_username": PP_USER,
        "phonepe_callback_password": PP_PASSWORD,
        "standard_webhook_secret": STANDARD_SECRET,
    }
    update = {name: SecretStr(value) for name, value in secrets.items()}
    update |= {"exchange_base_url": emulator_url, "task_queue": task_queue}
    update |= {"billing_currency": "INR", "phonepe_salt_index": SALT_INDEX}
    return settings.model_copy(update=update)


def _paise(amount: Decimal) -> int:
    return int(amount * 100)


def _body(kind: str, ref: str, txn: str, amount: Decimal, *, failed: bool = False) -> bytes:
    if kind == "razorpay":
        build = samples.razorpay_payment_failed if failed else samples.razorpay_payment_captured
        return build(ref, txn, _paise(amount))
    if kind == "cashfree":
        return samples.cashfree_payment(ref, txn, str(amount), "FAILED" if failed else "SUCCESS")
    if kind == "phonepe_v1":
        code = "PAYMENT_ERROR" if failed else "PAYMENT_SUCCESS"
        return samples.phonepe_v1_callback(ref, txn, _paise(amount), code)
    if kind == "phonepe_v2":
        event = "checkout.order.failed" if failed else samples.ORDER_COMPLETED
        return samples.phonepe_v2_order(ref, f"OM{txn}", txn, _paise(amount), event)
    kind_of = "payment.failed" if failed else "payment.succeeded"
    return samples.standard_payment(ref, txn, str(amount), type=kind_of, currency="INR")


def _headers(kind: str, body: bytes, *, wrong: bool = False, now: datetime | None = None) -> dict:
    """Headers as the gateway signs them; `wrong` signs with a secret we were not given."""
    now, bad = now or datetime.now(UTC), "not-the-configured-secret"
    if kind == "razorpay":
        return samples.signed_headers_razorpay(body, bad if wrong else RAZORPAY_SECRET)
    if kind == "cashfree":
        return samples.signed_headers_cashfree(body, bad if wrong else CASHFREE_SECRET, now)
    if kind == "phonepe_v1":
        return samples.signed_headers_phonepe_v1(body, bad if wrong else SALT_KEY, int(SALT_INDEX))
    if kind == "phonepe_v2":
        return samples.signed_headers_phonepe_v2(PP_USER, bad if wrong else PP_PASSWORD)
    msg_id = "msg_" + json.loads(body)["data"]["transaction_id"]
    return samples.signed_headers_standard(body, WRONG_STANDARD if wrong else STANDARD_SECRET,
                                           now, msg_id=msg_id)  # fmt: skip


def _provider(kind: str) -> str:
    return kind.split("_")[0]


async def _deliver(api, kind: str, body: bytes, headers: dict):
    headers = {**headers, "content-type": "application/json"}
    return await api.post(f"/v1/webhooks/{_provider(kind)}", content=body, headers=headers)


async def _open_share(api, deps, emulator_url) -> dict:
    """A verified 1000 USDT profit: 150.00 USDT share, billed 13275.00 INR."""
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    key, secret = await seed_emulator_account(
        emulator_url, round_trip(Decimal("1000"), start_ms=int(start.timestamp() * 1000))
    )
    user = f"u_{key[-8:]}"
    body = {
        "event_id": f"evt_{key[-12:]}", "user_id": user, "exchange": "binance",
        "account_id": await register_account(deps, user, key, secret), "session_id": "s_1",
        "session_start": start.isoformat(),
        "session_end": (start + timedelta(minutes=45)).isoformat(),
        "symbols": ["BTC/USDT"], "positions_count": 2,
        "reported_profit": "1000.00", "currency": "USDT",
    }  # fmt: skip
    assert (await api.post("/v1/profit-events", json=body, headers=BACKEND)).status_code == 202
    share = await _wait_status(api, body["event_id"], "open")
    assert (share["billing_currency"], share["amount_due"]) == ("INR", "12611.25")
    return share


async def _share(api, event_id: str) -> dict:
    response = await api.get(f"/v1/shares/{event_id}", headers=OPS)
    assert response.status_code == 200, response.text
    return response.json()


async def _wait_status(api, event_id: str, status: str) -> dict:
    async def reached():
        share = await _share(api, event_id)
        return share if share["status"] == status else None

    return await eventually(reached)


async def _payments(deps, provider: str, txn: str) -> list[Payment]:
    async with deps.sessions() as s:
        rows = await s.scalars(
            select(Payment).where(Payment.provider == provider, Payment.transaction_id == txn)
        )
        return list(rows)


def _assert_error(response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert set(error) == {"code", "message", "details"}
    assert error["code"] == code and error["message"]


# --- a signed success pays the share, once ------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
async def test_signed_success_pays_the_share_and_a_redelivery_is_a_duplicate(
    kind, api, worker, deps, emulator_url
):
    share = await _open_share(api, deps, emulator_url)
    txn, amount = f"pay_{kind}_{share['event_id'][-8:]}", Decimal(share["amount_due"])
    body = _body(kind, share["payment_reference"], txn, amount)
    headers = _headers(kind, body)

    first = await _deliver(api, kind, body, headers)
    assert (first.status_code, first.json()) == (200, {"result": "applied"})
    paid = await _wait_status(api, share["event_id"], "paid")
    assert paid["amount_paid"] == share["amount_due"] and paid["amount_due"] == "0.00"
    assert [(p["transaction_id"], p["applied"]) for p in paid["payments"]] == [(txn, True)]
    rows = await _payments(deps, _provider(kind), txn)
    assert [(r.status, r.event_id) for r in rows] == [("applied", share["event_id"])]

    again = await _deliver(api, kind, body, headers)
    assert (again.status_code, again.json()) == (200, {"result": "duplicate"})
    assert len(await _payments(deps, _provider(kind), txn)) == 1
    after = await _share(api, share["event_id"])
    assert (after["status"], after["amount_paid"]) == ("paid", share["amount_due"])


# --- forged callbacks are refused and record nothing ---------------------------------------


@pytest.mark.parametrize("kind", KINDS)
async def test_tampered_wrongly_signed_or_stale_callbacks_are_401_and_change_nothing(
    kind, api, worker, deps, emulator_url
):
    share = await _open_share(api, deps, emulator_url)
    ref, amount = share["payment_reference"], Decimal(share["amount_due"])
    txn = f"forged_{kind}_{share['event_id'][-8:]}"
    body = _body(kind, ref, txn, amount)
    attempts = {"wrong secret": (body, _headers(kind, body, wrong=True))}
    if kind in BODY_SIGNED:  # signed for the full amount, then edited down to one rupee
        attempts["tampered amount"] = (_body(kind, ref, txn, Decimal("1.00")), _headers(kind, body))
    if kind in TIMESTAMPED:
        stale = datetime.now(UTC) - timedelta(minutes=6)
        attempts["stale timestamp"] = (body, _headers(kind, body, now=stale))
        future = datetime.now(UTC) + timedelta(minutes=6)
        attempts["future timestamp"] = (body, _headers(kind, body, now=future))
    attempts["no signature"] = (body, {})

    for fault, (sent, headers) in attempts.items():
        response = await _deliver(api, kind, sent, headers)
        assert response.status_code == 401, (fault, response.text)
        _assert_error(response, 401, "unauthorized")

    assert await _payments(deps, _provider(kind), txn) == []
    await asyncio.sleep(0.3)  # a wrongly accepted signal would have been applied by now
    after = await _share(api, share["event_id"])
    assert (after["status"], after["amount_paid"], after["payments"]) == ("open", "0.00", [])


# --- failed payments and unknown references -------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
async def test_a_failed_payment_callback_is_ignored(kind, api, worker, deps, emulator_url):
    share = await _open_share(api, deps, emulator_url)
    txn = f"failed_{kind}_{share['event_id'][-8:]}"
    body = _body(kind, share["payment_reference"], txn, Decimal(share["amount_due"]), failed=True)
    response = await _deliver(api, kind, body, _headers(kind, body))
    assert (response.status_code, response.json()) == (200, {"result": "ignored"})
    assert await _payments(deps, _provider(kind), txn) == []
    await asyncio.sleep(0.3)
    after = await _share(api, share["event_id"])
    assert (after["status"], after["amount_paid"], after["payments"]) == ("open", "0.00", [])


@pytest.mark.parametrize("kind", KINDS)
async def test_an_unknown_reference_is_kept_as_unmatched_and_alerts_ops(kind, api, deps):
    txn, ref = f"stray_{kind}_{uuid.uuid4().hex[:8]}", f"PSNOSUCHREF{kind[:4].upper()}"
    body = _body(kind, ref, txn, Decimal("500.00"))
    headers = _headers(kind, body)
    response = await _deliver(api, kind, body, headers)
    assert (response.status_code, response.json()) == (200, {"result": "unmatched"})
    rows = await _payments(deps, _provider(kind), txn)
    assert [(r.status, r.event_id, r.payment_reference) for r in rows] == [("unmatched", None, ref)]
    key = f"unmatched:{_provider(kind)}:{txn}"
    async with deps.sessions() as s:
        alerts = list(await s.scalars(select(AuditEntry).where(AuditEntry.idempotency_key == key)))
    assert [(a.subject, a.action) for a in alerts] == [("ops/alerts", "payment.unmatched")]

    again = await _deliver(api, kind, body, headers)
    assert (again.status_code, again.json()) == (200, {"result": "duplicate"})
    assert len(await _payments(deps, _provider(kind), txn)) == 1


# --- a burst of one callback --------------------------------------------------------------


async def test_twenty_concurrent_copies_apply_one_payment(api, worker, deps, emulator_url):
    share = await _open_share(api, deps, emulator_url)
    txn = f"burst_{share['event_id'][-8:]}"
    body = _body("standard", share["payment_reference"], txn, Decimal(share["amount_due"]))
    headers = _headers("standard", body)

    responses = await asyncio.gather(*(_deliver(api, "standard", body, headers) for _ in range(20)))
    assert [r.status_code for r in responses] == [200] * 20, [r.text for r in responses]
    assert Counter(r.json()["result"] for r in responses) == {"applied": 1, "duplicate": 19}
    paid = await _wait_status(api, share["event_id"], "paid")
    await asyncio.sleep(0.3)  # let any stray second application land before we look
    paid = await _share(api, share["event_id"])
    assert (paid["status"], paid["amount_paid"]) == ("paid", share["amount_due"])
    assert [p["transaction_id"] for p in paid["payments"]] == [txn]
    assert [r.status for r in await _payments(deps, "standard", txn)] == ["applied"]


# --- size limit -----------------------------------------------------------------------------


@pytest.mark.parametrize("provider", ["razorpay", "cashfree", "phonepe", "standard"])
async def test_a_body_over_64_kib_is_413(provider, api):
    huge = json.dumps({"pad": "x" * (64 * 1024)}).encode()
    path, content_type = f"/v1/webhooks/{provider}", {"content-type": "application/json"}
    response = await api.post(path, content=huge, headers=content_type)
    _assert_error(response, 413, "too_large")

    async def chunks():  # no content-length: the limit must hold while the body streams in
        for start in range(0, len(huge), 8192):
            yield huge[start : start + 8192]

    response = await api.post(path, content=chunks(), headers=content_type)
    _assert_error(response, 413, "too_large")


async def test_a_payment_in_the_wrong_currency_is_refused_and_alerts_ops(
    api, worker, deps, emulator_url
):
    share = await _open_share(api, deps, emulator_url)
    txn = f"usdt_{uuid.uuid4().hex[:8]}"
    body = samples.standard_payment(share["payment_reference"], txn, "150.00", currency="USDT")
    response = await _deliver(api, "standard", body, _headers("standard", body))
    assert (response.status_code, response.json()) == (200, {"result": "ignored"})
    rows = await _payments(deps, "standard", txn)
    assert [(r.status, r.note) for r in rows] == [
        ("refused", "paid in USDT, the share is billed in INR")
    ]
    async with deps.sessions() as s:
        alert = await s.scalar(
            select(AuditEntry.action).where(AuditEntry.idempotency_key == f"refused:standard:{txn}")
        )
    assert alert == "payment.refused"
    after = await _share(api, share["event_id"])
    assert after["status"] == "open" and after["amount_paid"] == "0.00"


async def test_a_payment_after_the_share_was_paid_is_kept_as_credit(
    api, worker, deps, emulator_url
):
    """Issue 13: late money is never lost. The second payment answers `credited`, shows on
    the Share as credit and leaves an ops alert; its redelivery is a duplicate."""
    share = await _open_share(api, deps, emulator_url)
    amount = Decimal(share["amount_due"])
    first = _body("standard", share["payment_reference"], f"pay_a_{uuid.uuid4().hex[:8]}", amount)
    assert (await _deliver(api, "standard", first, _headers("standard", first))).json() == {
        "result": "applied"
    }
    await _wait_status(api, share["event_id"], "paid")

    txn = f"pay_b_{uuid.uuid4().hex[:8]}"
    late = _body("standard", share["payment_reference"], txn, Decimal("100.005"))
    headers = _headers("standard", late)
    answer = await _deliver(api, "standard", late, headers)
    assert (answer.status_code, answer.json()) == (200, {"result": "credited"})
    again = await _deliver(api, "standard", late, headers)
    assert again.json() == {"result": "duplicate"}

    after = await _share(api, share["event_id"])
    assert (after["status"], after["credit"]) == ("paid", "100.01")
    assert Decimal(after["billed"]) == (
        Decimal(after["amount_paid"]) - Decimal(after["credit"]) - Decimal(after["refunded"])
        + Decimal(after["amount_due"]) + Decimal(after["discount_granted"])
    )  # fmt: skip
    [row] = await _payments(deps, "standard", txn)
    assert (row.status, row.note) == ("credited", "100.005 rounded to 100.01")
    async with deps.sessions() as s:
        alert = await s.scalar(
            select(AuditEntry.id).where(AuditEntry.idempotency_key == f"credit:standard:{txn}")
        )
    assert alert is not None
