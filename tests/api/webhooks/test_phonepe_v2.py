"""PhonePe v2 callbacks are hints: money moves only once PhonePe's Order Status API (here
the PhonePe emulator) says COMPLETED, for the amount it names; anything else changes
nothing and is raised to ops."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx
from sqlalchemy import update

from api.app import create_app
from db.models import Payment
from domain.webhooks import phonepe_v2, registry
from tests.support.scenario import eventually
from tests.support.webhook_calls import (
    alerts,
    deliver,
    open_share,
    payment_messages,
    payments,
    share,
    wait_status,
)

V2 = next(g for g in registry.gateways() if g.confirmation == "order_status")


async def _hint(api, creds, ref: str, txn: str, amount: Decimal):
    body = V2.example(ref, txn, amount, True)
    response = await deliver(api, V2, body, V2.sign(body, creds, datetime.now(UTC)))
    assert response.status_code == 200, response.text
    return response.json()["result"]


async def test_a_callback_for_an_order_phonepe_does_not_know_changes_nothing_and_alerts(
    api, worker, deps, emulator_url, creds, gateway_emulator, time_skipping_env
):
    opened = await open_share(api, deps, emulator_url)
    ref = opened["payment_reference"]
    gateway_emulator["phonepe"].state.orders.pop(ref)  # PhonePe never saw this order
    assert await _hint(api, creds, ref, "OMFORGED1", Decimal(opened["amount_due"])) == (
        "pending_confirmation"
    )
    [row] = await payments(deps, "phonepe", f"order:{ref}")
    assert (row.status, row.note) == ("refused", "PhonePe knows no such order")
    assert await alerts(deps, f"refused:phonepe:order:{ref}") == ["ops/alerts payment.refused"]
    assert await payment_messages(time_skipping_env, opened["event_id"]) == 0
    after = await share(api, opened["event_id"])
    assert (after["status"], after["amount_paid"], after["payments"]) == ("open", "0.00", [])


async def test_a_callback_for_a_pending_order_changes_nothing_and_alerts_until_it_completes(
    api, worker, deps, emulator_url, creds, gateway_emulator, time_skipping_env
):
    opened = await open_share(api, deps, emulator_url)
    ref, due = opened["payment_reference"], Decimal(opened["amount_due"])
    assert await _hint(api, creds, ref, "OMEARLY1", due) == "pending_confirmation"
    [row] = await payments(deps, "phonepe", f"order:{ref}")
    assert row.status == "pending_confirmation"  # re-checked by the sweep, not forgotten
    assert await alerts(deps, f"not_completed:phonepe:order:{ref}") == [
        "ops/alerts payment.not_completed"
    ]
    assert await payment_messages(time_skipping_env, opened["event_id"]) == 0
    assert (await share(api, opened["event_id"]))["amount_paid"] == "0.00"

    # The user pays; the sweep (or the real callback) confirms it, once.
    order = gateway_emulator["phonepe"].state.orders[ref]
    attempt = {"transactionId": "OMPAID1", "state": "COMPLETED", "amount": order["amount"],
               "timestamp": int(datetime.now(UTC).timestamp() * 1000)}  # fmt: skip
    order |= {"state": phonepe_v2.COMPLETED, "paymentDetails": [attempt]}
    confirmer = api._transport.app.state.confirmer  # type: ignore[attr-defined]
    assert await confirmer.sweep(api._transport.app.state) >= 1  # type: ignore[attr-defined]
    paid = await wait_status(api, opened["event_id"], "paid")
    # The order is for the whole share (PhonePe takes no part payments): what PhonePe names.
    assert [(p["transaction_id"], p["amount"]) for p in paid["payments"]] == [
        ("OMPAID1", f"{Decimal(order['amount']).scaleb(-2)}")
    ]
    await confirmer.sweep(api._transport.app.state)  # type: ignore[attr-defined]
    assert await _hint(api, creds, ref, "OMPAID1", due) == "duplicate"
    assert len((await share(api, opened["event_id"]))["payments"]) == 1


async def test_a_completed_order_pays_the_amount_phonepe_names_once(
    api, worker, deps, emulator_url, creds, gateway_emulator
):
    opened = await open_share(api, deps, emulator_url)
    ref = opened["payment_reference"]
    # The callback claims the whole amount; PhonePe says 100.00 was paid: 100.00 counts.
    control = f"{gateway_emulator['url']}/_emulator/phonepe/orders/{ref}/complete"
    async with httpx.AsyncClient() as http:
        done = await http.post(control, json={"amount": 10000})
    assert done.json()["callback_status"] == 200
    txn = done.json()["order"]["paymentDetails"][0]["transactionId"]
    assert await _hint(api, creds, ref, "OMCLAIMSALL", Decimal(opened["amount_due"])) == (
        "duplicate"
    )

    async def partly_paid():
        found = await share(api, opened["event_id"])
        return found if found["amount_paid"] == "100.00" else None

    found = await eventually(partly_paid)
    assert [(p["transaction_id"], p["amount"]) for p in found["payments"]] == [(txn, "100.00")]
    assert [r.status for r in await payments(deps, "phonepe", txn)] == ["applied"]


async def test_the_api_re_checks_waiting_hints_on_its_own(
    api, worker, deps, emulator_url, creds, gateway_emulator, api_settings, time_skipping_env
):
    """A hint answered while the order was pending is paid by the API's own sweep, once
    PhonePe says COMPLETED: nobody has to call back again."""
    opened = await open_share(api, deps, emulator_url)
    ref = opened["payment_reference"]
    assert await _hint(api, creds, ref, "OMLATER1", Decimal(opened["amount_due"])) == (
        "pending_confirmation"
    )
    order = gateway_emulator["phonepe"].state.orders[ref]
    attempt = {"transactionId": "OMLATER1", "state": "COMPLETED", "amount": order["amount"],
               "timestamp": int(datetime.now(UTC).timestamp() * 1000)}  # fmt: skip
    order |= {"state": phonepe_v2.COMPLETED, "paymentDetails": [attempt]}  # no callback sent

    quick = api_settings.model_copy(update={"phonepe_confirm_every_seconds": 0.2})
    app = create_app(quick, temporal=time_skipping_env.client)

    async def hint_closed():
        [hint] = await payments(deps, "phonepe", f"order:{ref}")
        return hint if hint.status != "pending_confirmation" else None

    async with app.router.lifespan_context(app):
        paid = await wait_status(api, opened["event_id"], "paid")
        # The sweep closes the hint after the payment's answer (it waits for the workflow's).
        hint = await eventually(hint_closed)
    assert [p["transaction_id"] for p in paid["payments"]] == ["OMLATER1"]
    assert hint.status == "confirmed"


async def test_a_real_payment_after_a_hint_that_was_given_up_is_applied(
    api, worker, deps, emulator_url, creds, gateway_emulator
):
    """One row per order: once an early or forged COMPLETED hint was closed `unconfirmed`,
    the user's real payment on that order was answered "duplicate" and never confirmed."""
    opened = await open_share(api, deps, emulator_url)
    ref = opened["payment_reference"]
    due = Decimal(opened["amount_due"])
    assert await _hint(api, creds, ref, "OMFORGED", due) == "pending_confirmation"
    async with deps.sessions.begin() as s:  # PHONEPE_CONFIRM_FOR_HOURS pass, still PENDING
        await s.execute(
            update(Payment)
            .where(Payment.provider == "phonepe", Payment.transaction_id == f"order:{ref}")
            .values(received_at=datetime.now(UTC) - timedelta(hours=25))
        )
    state = api._transport.app.state
    await state.confirmer.sweep(state)
    [row] = await payments(deps, "phonepe", f"order:{ref}")
    assert row.status == "unconfirmed"

    # The user pays the order; PhonePe (the emulator) calls back.
    control = f"{gateway_emulator['url']}/_emulator/phonepe/orders/{ref}/complete"
    async with httpx.AsyncClient() as http:
        done = await http.post(control, json={"amount": int(due.scaleb(2))})
    assert done.json()["callback_status"] == 200
    paid = await wait_status(api, opened["event_id"], "paid")
    assert paid["amount_paid"] == opened["amount_due"]
    [row] = await payments(deps, "phonepe", f"order:{ref}")
    assert row.status == "confirmed"
    assert row.note.startswith("OM")  # the attempt PhonePe names, applied once
    [attempt] = [p for p in paid["payments"] if p["provider"] == "phonepe"]
    [paid_row] = await payments(deps, "phonepe", attempt["transaction_id"])
    assert paid_row.utr is not None and len(paid_row.utr) == 12  # the rail's UTR, kept
