"""Gateway callbacks through the real API and the real share workflow, for every gateway
in the registry: a signed success pays the share exactly once (after Order Status for a
gateway whose callbacks are only hints); anything unsigned, tampered, stale, failed or
unknown changes nothing a user could see (unmatched money is kept on record for ops)."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from domain.webhooks import registry
from domain.webhooks.gateway import Gateway
from tests.support.webhook_calls import (
    alerts,
    assert_error,
    deliver,
    open_share,
    payment_messages,
    payments,
    share,
    wait_status,
    wrong,
)

GATEWAYS = {g.name: g for g in registry.gateways()}
NAMES = list(GATEWAYS)
PATHS = list(registry.paths())


def _signs_body(g: Gateway, creds: dict) -> bool:
    now = datetime.now(UTC)
    a, b = g.example("R", "T", Decimal("1.00"), True), g.example("R", "T", Decimal("2.00"), True)
    return g.sign(a, creds, now) != g.sign(b, creds, now)


def _timestamped(g: Gateway, creds: dict) -> bool:
    body, now = g.example("R", "T", Decimal("1.00"), True), datetime.now(UTC)
    return g.sign(body, creds, now) != g.sign(body, creds, now + timedelta(seconds=2))


async def _pay(api, g: Gateway, creds: dict, ref: str, txn: str, amount: Decimal, emulator):
    """Delivers a success as the gateway would; a hint-only gateway's order is completed in
    its emulator, which sends the callback itself. Returns (body, headers, answer)."""
    body = g.example(ref, txn, amount, True)
    headers = g.sign(body, creds, datetime.now(UTC))
    if g.confirmation == "order_status":
        paise = int(amount.scaleb(2))
        control = f"{emulator['url']}/_emulator/phonepe/orders/{ref}/complete"
        import httpx

        async with httpx.AsyncClient() as http:
            done = await http.post(control, json={"amount": paise})
        assert done.status_code == 200, done.text
        return body, headers, "pending_confirmation"
    response = await deliver(api, g, body, headers)
    assert response.status_code == 200, response.text
    return body, headers, response.json()["result"]


# --- a signed success pays the share, once ------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
async def test_signed_success_pays_the_share_and_a_redelivery_is_a_duplicate(
    name, api, worker, deps, emulator_url, creds, gateway_emulator, time_skipping_env
):
    g = GATEWAYS[name]
    opened = await open_share(api, deps, emulator_url)
    txn, amount = f"pay_{name}_{opened['event_id'][-8:]}", Decimal(opened["amount_due"])
    body, headers, answer = await _pay(
        api, g, creds, opened["payment_reference"], txn, amount, gateway_emulator
    )
    assert answer == ("pending_confirmation" if g.confirmation == "order_status" else "applied")
    paid = await wait_status(api, opened["event_id"], "paid")
    assert paid["amount_paid"] == opened["amount_due"] and paid["amount_due"] == "0.00"
    assert [p["applied"] for p in paid["payments"]] == [True]
    paid_txn = paid["payments"][0]["transaction_id"]
    if g.confirmation == "signature":
        assert paid_txn == txn
    rows = await payments(deps, g.provider, paid_txn)
    assert [(r.status, r.event_id) for r in rows] == [("applied", opened["event_id"])]

    again = await deliver(api, g, body, headers)
    assert (again.status_code, again.json()) == (200, {"result": "duplicate"})
    assert await payment_messages(time_skipping_env, opened["event_id"]) == 1
    after = await share(api, opened["event_id"])
    assert (after["status"], after["amount_paid"]) == ("paid", opened["amount_due"])
    assert len(after["payments"]) == 1


# --- forged callbacks are refused and record nothing ---------------------------------------


@pytest.mark.parametrize("name", NAMES)
async def test_tampered_wrongly_signed_or_stale_callbacks_are_401_and_change_nothing(
    name, api, worker, deps, emulator_url, creds, time_skipping_env
):
    g = GATEWAYS[name]
    opened = await open_share(api, deps, emulator_url)
    ref, amount = opened["payment_reference"], Decimal(opened["amount_due"])
    txn = f"forged_{name}_{opened['event_id'][-8:]}"
    body, now = g.example(ref, txn, amount, True), datetime.now(UTC)
    attempts = {"wrong secret": (body, g.sign(body, wrong(creds), now))}
    if _signs_body(g, creds):  # signed for the full amount, then edited down to one rupee
        edited = g.example(ref, txn, Decimal("1.00"), True)
        attempts["tampered amount"] = (edited, g.sign(body, creds, now))
    if _timestamped(g, creds):
        attempts["stale"] = (body, g.sign(body, creds, now - timedelta(minutes=6)))
        attempts["future"] = (body, g.sign(body, creds, now + timedelta(minutes=6)))
    attempts["no signature"] = (body, {})

    for fault, (sent, headers) in attempts.items():
        response = await deliver(api, g, sent, headers)
        assert response.status_code == 401, (fault, response.text)
        assert_error(response, 401, "unauthorized")

    assert await payments(deps, g.provider, txn) == []
    assert await payments(deps, g.provider, f"order:{ref}") == []
    assert await payment_messages(time_skipping_env, opened["event_id"]) == 0
    after = await share(api, opened["event_id"])
    assert (after["status"], after["amount_paid"], after["payments"]) == ("open", "0.00", [])


# --- failed payments and unknown references -------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
async def test_a_failed_payment_callback_is_ignored(
    name, api, worker, deps, emulator_url, creds, time_skipping_env
):
    g = GATEWAYS[name]
    opened = await open_share(api, deps, emulator_url)
    txn = f"failed_{name}_{opened['event_id'][-8:]}"
    body = g.example(opened["payment_reference"], txn, Decimal(opened["amount_due"]), False)
    response = await deliver(api, g, body, g.sign(body, creds, datetime.now(UTC)))
    assert (response.status_code, response.json()) == (200, {"result": "ignored"})
    assert await payments(deps, g.provider, txn) == []
    assert await payment_messages(time_skipping_env, opened["event_id"]) == 0
    after = await share(api, opened["event_id"])
    assert (after["status"], after["amount_paid"], after["payments"]) == ("open", "0.00", [])


@pytest.mark.parametrize("name", NAMES)
async def test_an_unknown_reference_is_kept_as_unmatched_and_alerts_ops(name, api, deps, creds):
    g = GATEWAYS[name]
    txn, ref = f"stray_{name}_{uuid.uuid4().hex[:8]}", f"PSNOSUCHREF{uuid.uuid4().hex[:6]}"
    body = g.example(ref, txn, Decimal("500.00"), True)
    headers = g.sign(body, creds, datetime.now(UTC))
    response = await deliver(api, g, body, headers)
    assert (response.status_code, response.json()) == (200, {"result": "unmatched"})
    key = txn if g.confirmation == "signature" else f"order:{ref}"
    rows = await payments(deps, g.provider, key)
    assert [(r.status, r.event_id, r.payment_reference) for r in rows] == [("unmatched", None, ref)]
    assert await alerts(deps, f"unmatched:{g.provider}:{txn}") == ["ops/alerts payment.unmatched"]

    again = await deliver(api, g, body, headers)
    assert (again.status_code, again.json()) == (200, {"result": "duplicate"})
    assert len(await payments(deps, g.provider, key)) == 1


# --- a burst of one callback --------------------------------------------------------------


async def test_twenty_concurrent_copies_apply_one_payment(
    api, worker, deps, emulator_url, creds, time_skipping_env
):
    g = GATEWAYS["standard"]
    opened = await open_share(api, deps, emulator_url)
    txn = f"burst_{opened['event_id'][-8:]}"
    body = g.example(opened["payment_reference"], txn, Decimal(opened["amount_due"]), True)
    headers = g.sign(body, creds, datetime.now(UTC))

    responses = await asyncio.gather(*(deliver(api, g, body, headers) for _ in range(20)))
    assert [r.status_code for r in responses] == [200] * 20, [r.text for r in responses]
    assert Counter(r.json()["result"] for r in responses) == {"applied": 1, "duplicate": 19}
    await wait_status(api, opened["event_id"], "paid")
    assert await payment_messages(time_skipping_env, opened["event_id"]) == 1
    paid = await share(api, opened["event_id"])
    assert (paid["status"], paid["amount_paid"]) == ("paid", opened["amount_due"])
    assert [p["transaction_id"] for p in paid["payments"]] == [txn]
    assert [r.status for r in await payments(deps, "standard", txn)] == ["applied"]


# --- size limit and unknown paths ----------------------------------------------------------


@pytest.mark.parametrize("path", PATHS)
async def test_a_body_over_64_kib_is_413(path, api):
    huge = json.dumps({"pad": "x" * (64 * 1024)}).encode()
    url, content_type = f"/v1/webhooks/{path}", {"content-type": "application/json"}
    response = await api.post(url, content=huge, headers=content_type)
    assert_error(response, 413, "too_large")

    async def chunks():  # no content-length: the limit must hold while the body streams in
        for start in range(0, len(huge), 8192):
            yield huge[start : start + 8192]

    response = await api.post(url, content=chunks(), headers=content_type)
    assert_error(response, 413, "too_large")


async def test_a_path_no_gateway_registered_is_404(api):
    assert_error(await api.post("/v1/webhooks/nosuchgateway", content=b"{}"), 404, "not_found")
