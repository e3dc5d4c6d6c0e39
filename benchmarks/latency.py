"""Latency percentiles: webhook verification and risk assessment in-process, reads over HTTP."""

from __future__ import annotations

import json
import math
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from decimal import Decimal

import httpx

from domain.ladder import Level
from domain.risk import assess
from domain.risk.decision import RiskRequest
from domain.risk.facts import LinkedDebt, RiskFacts
from domain.webhooks import cashfree, phonepe, razorpay, standard
from services.risk.service import RiskService

Percentiles = dict[str, float]


def percentiles(samples_s: list[float]) -> Percentiles:
    """p50/p95/p99 in milliseconds (nearest rank: a real sample, never interpolated)."""
    ordered = sorted(samples_s)

    def rank(q: float) -> float:
        return round(ordered[max(0, math.ceil(q * len(ordered)) - 1)] * 1000, 3)

    return {"p50": rank(0.50), "p95": rank(0.95), "p99": rank(0.99)}


def timed(call: Callable[[], object], n: int) -> list[float]:
    call()  # first call builds caches (HMAC objects, compiled patterns): not a user's latency
    samples = []
    for _ in range(n):
        started = time.perf_counter()
        call()
        samples.append(time.perf_counter() - started)
    return samples


async def timed_async(call: Callable[[], Awaitable[object]], n: int) -> list[float]:
    await call()
    samples = []
    for _ in range(n):
        started = time.perf_counter()
        await call()
        samples.append(time.perf_counter() - started)
    return samples


# --- webhook verification -----------------------------------------------------------------
_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
# About the size of a real Razorpay payment.captured callback.
_BODY = json.dumps({"event": "payment.captured", "padding": "x" * 1400}).encode()
_PHONEPE_V1 = json.dumps({"response": "eyJzdWNjZXNzIjp0cnVlfQ==" * 40}).encode()


def _verifiers(now: datetime) -> dict[str, Callable[[], None]]:
    ms = int(now.timestamp() * 1000)
    std = {
        "webhook-id": "msg_1",
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": standard.sign(_BODY, secret=_SECRET, msg_id="msg_1", timestamp=now),
    }
    rzp = {"x-razorpay-signature": razorpay.sign(_BODY, secret=_SECRET)}
    cf = {
        "x-webhook-signature": cashfree.sign(_BODY, secret=_SECRET, timestamp_ms=ms),
        "x-webhook-timestamp": str(ms),
    }
    pp = {"X-VERIFY": phonepe.sign_v1(_PHONEPE_V1, salt_key=_SECRET, salt_index=1)}
    return {
        "standard": lambda: standard.verify(_BODY, std, secret=_SECRET, now=now),
        "razorpay": lambda: razorpay.verify(_BODY, rzp, secret=_SECRET, now=now),
        "cashfree": lambda: cashfree.verify(_BODY, cf, secret=_SECRET, now=now),
        "phonepe": lambda: phonepe.verify(_PHONEPE_V1, pp, salt_key=_SECRET, salt_index=1, now=now),
    }


def webhook_verify_latency(n: int) -> tuple[Percentiles, dict[str, Percentiles]]:
    """Every gateway's signature check; the headline figure is the slowest gateway's."""
    by_provider = {
        name: percentiles(timed(verify, n))
        for name, verify in _verifiers(datetime.now(UTC)).items()
    }
    worst = max(by_provider.values(), key=lambda p: p["p99"])
    return worst, by_provider


# --- risk assessment ----------------------------------------------------------------------
def _realistic_facts(i: int) -> RiskFacts:
    """A profit claim from a user with history, a shared device and a linked debt."""
    return RiskFacts(
        user_id=f"u_{i}",
        action="profit_claim",
        today=date(2026, 11, 20),
        ip=f"203.0.113.{i % 250 + 1}",
        device_fingerprint=f"fp_{i % 50}",
        users_on_device=[f"u_{i + 1}", f"u_{i + 2}"],
        users_with_api_key=[],
        linked_overdue=[
            LinkedDebt(
                user_id=f"u_{i + 2}", amount_due=Decimal("150.00"), currency="USDT", level=Level(2)
            )
        ],
        signups_from_device_last_hour=1,
        signups_from_ip_last_hour=2,
        profit_claims_last_day=3,
        claimed_profit=Decimal("1000.00") + i % 7,
        past_profits=[Decimal(120 + 13 * k) for k in range(30)],
    )


async def risk_assess_latency(service: RiskService, user_ids: list[str], n: int) -> Percentiles:
    """The risk service in-process, as POST /v1/risk/assess runs it: the facts gathered from
    Postgres (devices, linked accounts and their debts, velocity, history), the rules, and
    the decision recorded. Users with real shares behind them; logins from a few devices."""
    state = {"i": 0}

    async def one() -> None:
        i = state["i"] = state["i"] + 1
        await service.assess(login(user_ids, i))

    return percentiles(await timed_async(one, n))


def login(user_ids: list[str], i: int) -> RiskRequest:
    """The i-th timed login: the users in turn, from 200 addresses and 40 devices."""
    return RiskRequest(
        user_id=user_ids[i % len(user_ids)],
        action="login",
        ip=f"192.0.2.{i % 200 + 1}",
        device_fingerprint=f"fp_bench_{i % 40}",
    )


def risk_rules_latency(n: int) -> Percentiles:
    """The pure rules alone (`domain.risk.assess` on realistic facts), for comparison."""
    facts = [_realistic_facts(i) for i in range(64)]
    state = {"i": 0}

    def one() -> None:
        state["i"] += 1
        assess(facts[state["i"] % len(facts)])

    return percentiles(timed(one, n))


# --- reads over HTTP ----------------------------------------------------------------------
async def read_latency(api: httpx.AsyncClient, paths: list[str], n: int) -> Percentiles:
    """One request at a time (an idle server): the latency a caller sees, not a queue."""
    state = {"i": 0}

    async def one() -> None:
        state["i"] += 1
        response = await api.get(paths[state["i"] % len(paths)])
        response.raise_for_status()

    return percentiles(await timed_async(one, n))
