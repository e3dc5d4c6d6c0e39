"""A corpus of bad amounts against every endpoint that takes money (every gateway's callback
included), and of bad UPI transaction ids against proofs: each gets the contract's answer
and changes nothing.

Each corpus entry is the raw JSON text put where the amount goes, so bare NaN, Infinity and
1e400 tokens (which no JSON encoder writes) are sent too. An endpoint that takes money is one
`Endpoint` line: how to send an amount, and how a refusal looks there.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

import httpx
import pytest
from sqlalchemy import func, select

from db.models import Payment, PaymentProof, ProfitEventRow
from domain.webhooks import registry
from tests.support.api import BACKEND, OPS, STANDARD_SECRET
from tests.support.scenario import event_body, eventually

CREDENTIALS = {
    "standard_webhook_secret": STANDARD_SECRET,
    "razorpay_webhook_secret": "rzp-corpus-secret",
    "cashfree_client_secret": "cf-corpus-secret",
    "phonepe_callback_username": "corpus",
    "phonepe_callback_password": "corpus-password",
}

BAD_AMOUNTS = {
    "empty": '""',
    "blank": '"   "',
    "words": '"one hundred"',
    "thousands separator": '"1,000.00"',
    "two decimal points": '"1.2.3"',
    "hexadecimal": '"0x10"',
    "dangling exponent": '"12e"',
    "double sign": '"--5"',
    "underscore": '"1_000"',
    "currency sign": '"$100"',
    "unit suffix": '"100 USDT"',
    "arabic-indic digits": '"١٠٠"',
    "fullwidth digits": '"１００"',
    "mathematical digits": '"𝟏𝟎𝟎"',
    "NaN string": '"NaN"',
    "signalling NaN": '"sNaN"',
    "Infinity string": '"Infinity"',
    "minus Infinity": '"-Infinity"',
    "inf": '"inf"',
    "bare NaN token": "NaN",
    "bare Infinity token": "Infinity",
    "bare 1e400": "1e400",
    "JSON integer": "100",
    "JSON float": "150.5",
    "1e400 string": '"1e400"',
    "19 integer digits": '"1000000000000000000"',
    "exponent past 18 digits": '"1E+19"',
    "65 characters": '"' + "1" * 65 + '"',
    "too many decimals": '"0.000000001"',
    "null": "null",
    "true": "true",
    "list": '["100"]',
    "object": '{"amount": "100"}',
}
# Refused where money changes hands; a profit event may report a loss.
NOT_POSITIVE = {"negative": '"-150.00"', "zero": '"0"', "negative zero": '"-0.00"'}
TOO_LARGE = '"' + "9" * 70_000 + '"'  # past the 64 KiB body limit


def _with_amount(template: dict, raw: str) -> bytes:
    return json.dumps(template, ensure_ascii=False).replace('"@AMOUNT@"', raw).encode()


@dataclass(frozen=True)
class Endpoint:
    name: str
    corpus: dict[str, str]
    # Builds what it needs (a share, an account), then returns a sender of one raw amount.
    prepare: Callable[..., Awaitable[Callable[[str], Awaitable[httpx.Response]]]]
    # The contract's refusal there; returns a description of what was wrong, or None.
    refused: Callable[[httpx.Response], str | None]
    # Nothing was recorded by any of the attempts.
    untouched: Callable[..., Awaitable[bool]]


# --- POST /v1/profit-events: 422 naming the field ----------------------------------------
async def _intake(api, deps, emulator_url, worker_state):
    body = await event_body(deps, emulator_url)
    worker_state["event_id"] = body["event_id"]
    template = {**body, "reported_profit": "@AMOUNT@"}

    async def send(raw: str) -> httpx.Response:
        headers = {**BACKEND, "content-type": "application/json"}
        return await api.post(
            "/v1/profit-events", content=_with_amount(template, raw), headers=headers
        )

    return send


def _invalid_field(response: httpx.Response) -> str | None:
    if response.status_code != 422:
        return f"{response.status_code} {response.text[:120]}"
    fields = [d["field"] for d in response.json()["error"]["details"]]
    return None if fields == ["reported_profit"] else f"422 but details name {fields}"


async def _no_event(deps, worker_state) -> bool:
    async with deps.sessions() as s:
        return not await s.scalar(
            select(func.count())
            .select_from(ProfitEventRow)
            .where(ProfitEventRow.event_id == worker_state["event_id"])
        )


# --- POST /v1/webhooks/{gateway}: signed, so kept as "refused" (or "ignored" when the body is
# no JSON at all), never applied ------------------------------------------------------------
async def _opened_share(api, deps, emulator_url, worker_state) -> dict:
    body = await event_body(deps, emulator_url)
    assert (await api.post("/v1/profit-events", json=body, headers=BACKEND)).status_code == 202

    async def opened():
        share = (await api.get(f"/v1/shares/{body['event_id']}", headers=OPS)).json()
        return share if share["status"] == "open" else None

    worker_state["share"] = await eventually(opened, timeout=30)
    return worker_state["share"]


def _webhook(name: str, amount_at: tuple, txn_at: tuple):
    """A sender of signed callbacks from gateway `name` with the raw amount at `amount_at`."""
    gateway = next(g for g in registry.gateways() if g.name == name)

    async def prepare(api, deps, emulator_url, worker_state):
        share = await _opened_share(api, deps, emulator_url, worker_state)
        ref = share["payment_reference"]
        template = json.loads(gateway.example(ref, "t", Decimal("1.00"), True))

        async def send(raw: str) -> httpx.Response:
            worker_state["sent"] = worker_state.get("sent", 0) + 1
            _put(template, txn_at, f"bad_amount_{name}_{ref}_{worker_state['sent']}")
            _put(template, amount_at, "@AMOUNT@")
            content = _with_amount(template, raw)
            headers = gateway.sign(content, CREDENTIALS, datetime.now(UTC))
            headers |= {"content-type": "application/json"}
            return await api.post(f"/v1/webhooks/{gateway.path}", content=content, headers=headers)

        return send

    return prepare


def _refused_or_hint(response: httpx.Response) -> str | None:
    """A PhonePe v2 callback with a well-formed amount is only a hint: it waits for Order
    Status, which alone can move money."""
    if response.status_code == 200 and response.json()["result"] == "pending_confirmation":
        return None
    return _refused(response)


def _put(obj, path: tuple, value: object) -> None:
    for key in path[:-1]:
        obj = obj[key]
    obj[path[-1]] = value


def _refused(response: httpx.Response) -> str | None:
    if response.status_code == 200 and response.json()["result"] in ("refused", "ignored"):
        return None
    return f"{response.status_code} {response.text[:120]}"


async def _share_unpaid(deps, worker_state, api=None) -> bool:
    share = worker_state["share"]
    async with deps.sessions() as s:
        applied = await s.scalar(
            select(func.count())
            .select_from(Payment)
            .where(Payment.event_id == share["event_id"], Payment.status == "applied")
        )
    return applied == 0


# --- POST /v1/shares/{id}/payment-proofs: a UTR is 12 digits, else 422 naming it ---------
BAD_UTRS = {
    "letters": '"UPI412345678901"',
    "13 digits": '"4123456789012"',
    "11 digits and a letter": '"41234567890x"',
    "fullwidth digits": '"４１２３４５６７８９０１"',
    "only separators": '"-- ..  "',
    "number": "412345678901",
    "null": "null",
    "emoji": '"4123456789💸"',
}


async def _proof(api, deps, emulator_url, worker_state):
    share = await _opened_share(api, deps, emulator_url, worker_state)
    template = {"transaction_id": "@AMOUNT@", "amount": share["amount_due"],
                "currency": share["billing_currency"] or share["currency"],
                "paid_at": datetime.now(UTC).isoformat()}  # fmt: skip

    async def send(raw: str) -> httpx.Response:
        headers = {**BACKEND, "content-type": "application/json"}
        url = f"/v1/shares/{share['event_id']}/payment-proofs"
        return await api.post(url, content=_with_amount(template, raw), headers=headers)

    return send


def _invalid_utr(response: httpx.Response) -> str | None:
    if response.status_code != 422:
        return f"{response.status_code} {response.text[:120]}"
    fields = [d["field"] for d in response.json()["error"]["details"]]
    return None if fields == ["transaction_id"] else f"422 but details name {fields}"


async def _no_proof(deps, worker_state) -> bool:
    async with deps.sessions() as s:
        return not await s.scalar(
            select(func.count())
            .select_from(PaymentProof)
            .where(PaymentProof.event_id == worker_state["share"]["event_id"])
        )


WEBHOOK_AMOUNTS = BAD_AMOUNTS | NOT_POSITIVE
ENDPOINTS = [
    Endpoint("intake reported_profit", BAD_AMOUNTS, _intake, _invalid_field, _no_event),
    Endpoint("standard webhook amount", WEBHOOK_AMOUNTS,
             _webhook("standard", ("data", "amount"), ("data", "transaction_id")),
             _refused, _share_unpaid),
    Endpoint("razorpay webhook amount", WEBHOOK_AMOUNTS,
             _webhook("razorpay", ("payload", "payment", "entity", "amount"),
                      ("payload", "payment", "entity", "id")),
             _refused, _share_unpaid),
    Endpoint("cashfree webhook amount", WEBHOOK_AMOUNTS,
             _webhook("cashfree", ("data", "payment", "payment_amount"),
                      ("data", "payment", "cf_payment_id")),
             _refused, _share_unpaid),
    Endpoint("phonepe v2 callback amount", WEBHOOK_AMOUNTS,
             _webhook("phonepe_v2", ("payload", "amount"),
                      ("payload", "paymentDetails", 0, "transactionId")),
             _refused_or_hint, _share_unpaid),
    Endpoint("proof transaction_id", BAD_UTRS, _proof, _invalid_utr, _no_proof),
]  # fmt: skip


def _too_large(response: httpx.Response) -> str | None:
    if response.status_code == 413 and response.json()["error"]["code"] == "too_large":
        return None
    return f"{response.status_code} {response.text[:120]}"


@pytest.fixture
def api_settings(api_settings):
    """The gateways the corpus signs for (PhonePe v2 with a client it never reaches: a bad
    amount is refused before anything asks PhonePe)."""
    client = {"phonepe_base_url": "http://127.0.0.1:9", "phonepe_client_id": "corpus",
              "phonepe_client_secret": "corpus-client-secret"}  # fmt: skip
    return api_settings.model_copy(update=CREDENTIALS | client)


async def test_every_bad_amount_gets_the_contracts_answer_and_changes_nothing(
    api, worker, deps, emulator_url
):
    wrong = {}
    for endpoint in ENDPOINTS:
        state: dict = {}
        send = await endpoint.prepare(api, deps, emulator_url, state)
        for label, raw in endpoint.corpus.items():
            response = await send(raw)
            if response.status_code >= 400:
                error = response.json().get("error", {})
                if set(error) != {"code", "message", "details"}:
                    wrong[(endpoint.name, label)] = f"error shape {response.text[:120]}"
                    continue
            if (problem := endpoint.refused(response)) is not None:
                wrong[(endpoint.name, label)] = problem
        if (problem := _too_large(await send(TOO_LARGE))) is not None:
            wrong[(endpoint.name, "too large")] = problem
        if not await endpoint.untouched(deps, state):
            wrong[(endpoint.name, "afterwards")] = "something was recorded"
    assert wrong == {}
