"""The debt follows the person: a new account on a debtor's device and API key is blocked.

User A signs up on a device, connects an exchange account and owes a 300 USDT share that
the ledger walked to locked (recorded 31 days ago). User B then signs up on the same device
with the same API key: B's sign-up is blocked with reasons naming A, and B's standing
shows A's debt. Once A pays, the debt no longer follows.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from activities import contracts as c
from activities.fx import FixedFxRates
from activities.ledger import LedgerActivities
from domain.ladder import Level
from domain.models import PaymentSignal, VerificationSummary
from tests.support.api import BACKEND
from tests.support.payments import record_payment
from tests.support.risk import CLEAN_IP, uid
from tests.support.scenario import profit_event, store_event


async def assess(api, **body) -> dict:
    response = await api.post("/v1/risk/assess", json=body, headers=BACKEND)
    assert response.status_code == 200, response.text
    return response.json()


async def locked_share(deps, user_id: str, account_id: str) -> tuple[LedgerActivities, str]:
    """A's share of a 2,000 USDT profit (300.00), recorded 31 days ago and now locked."""
    ledger = LedgerActivities(deps.sessions, deps.cipher, deps.hasher, FixedFxRates())
    day0 = datetime.now(UTC) - timedelta(days=31)
    event = profit_event(
        user_id, account_id, start=day0 - timedelta(hours=1), reported=Decimal(2000)
    )
    await store_event(deps, event)
    await ledger.open_share(event)
    profit = Decimal("2000.00")
    methods = dict.fromkeys(("fifo", "average_cost", "cash_flow"), profit)
    verification = VerificationSummary(agreed=True, verified_profit=profit, methods=methods)
    recorded = await ledger.record_share(
        c.RecordShareInput(event=event, verified_profit=profit, verification=verification, at=day0)
    )
    assert recorded.billed_amount == Decimal("300.00")
    for day, level in ((7, Level.WARNING), (14, Level.SUSPENDED), (30, Level.LOCKED)):
        await ledger.escalate(
            c.EscalateInput(
                event_id=event.event_id,
                user_id=user_id,
                level=int(level),
                stage=f"day{day:02d}-{level.label}",
                at=day0 + timedelta(days=day),
            )
        )
    return ledger, event.event_id


async def test_a_new_account_on_a_debtors_device_and_key_is_blocked(api, deps):
    a, b, device = uid("a"), uid("b"), uid("fp")
    signup_a = await assess(api, user_id=a, action="signup", device_fingerprint=device, ip=CLEAN_IP)
    assert signup_a["decision"] == "allow"
    account = await api.post(
        f"/v1/users/{a}/exchange-accounts",
        json={"exchange": "binance", "api_key": uid("key"), "api_secret": "s" * 16},
        headers=BACKEND,
    )
    assert account.status_code == 201
    api_key = account.json()["api_key_fingerprint"]
    ledger, event_id = await locked_share(deps, a, account.json()["account_id"])
    standing_a = (await api.get(f"/v1/users/{a}/standing", headers=BACKEND)).json()
    assert (standing_a["level_name"], standing_a["can_access"]) == ("locked", False)
    assert standing_a["open_shares"][0]["amount_due"] == "300.00"

    signup_b = await assess(
        api,
        user_id=b,
        action="signup",
        device_fingerprint=device,
        api_key_fingerprint=api_key,
        ip=CLEAN_IP,
    )
    assert signup_b["decision"] == "block"
    assert signup_b["linked_users"] == [a]
    reasons = {r["rule"]: r["detail"] for r in signup_b["reasons"]}
    # Two accounts on one device is also a medium alert (the brief), beside the debt.
    assert set(reasons) == {"device_shared", "shared_api_key", "linked_debt"}
    assert (
        reasons["linked_debt"]
        == f"overdue shares on linked accounts: {a} owes 300.00 USDT (locked)"
    )
    assert a in reasons["shared_api_key"]

    standing_b = (await api.get(f"/v1/users/{b}/standing", headers=BACKEND)).json()
    assert standing_b["open_shares"] == []
    assert standing_b["linked_debts"] == [
        {
            "user_id": a,
            "via": ["api_key", "device"],
            "amount_due": "300.00",
            "currency": "USDT",
            "enforcement_level": 4,
            "level_name": "locked",
        }
    ]

    # A pays: the debt is gone, so it follows nobody; the shared key is still worth an alert.
    await ledger.apply_payment(
        c.ApplyPaymentInput(
            event_id=event_id,
            user_id=a,
            payment=await record_payment(
                deps,
                event_id,
                PaymentSignal(
                    provider="standard",
                    transaction_id=uid("txn"),
                    amount=Decimal("300.00"),
                    currency="USDT",
                    paid_at=datetime.now(UTC),
                ),
            ),
            amount_paid=Decimal("300.00"),
            amount_due=Decimal("0.00"),
            credit=Decimal(0),
            settled=True,
            discounted=False,
            at=datetime.now(UTC),
        )
    )
    assert (await api.get(f"/v1/users/{b}/standing", headers=BACKEND)).json()["linked_debts"] == []
    again = await assess(api, user_id=b, action="login", device_fingerprint=device)
    assert (again["decision"], [r["rule"] for r in again["reasons"]]) == (
        "alert",
        ["device_shared", "shared_api_key"],
    )
