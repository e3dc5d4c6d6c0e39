"""Razorpay Refunds over httpx: give back (part of) a captured payment, idempotently.

POST /v1/payments/{payment_id}/refund with the amount in the currency's smallest unit and
`X-Refund-Idempotency`: a retry with the same key returns the refund already made, so a
lost answer never refunds twice.
"""

from __future__ import annotations

from decimal import Decimal

import httpx

from activities.payments.razorpay_links import _ok, minor_units


class RazorpayRefunds:
    def __init__(
        self, http: httpx.AsyncClient, *, key_id: str, key_secret: str, base_url: str
    ) -> None:
        self._http = http
        self._auth = httpx.BasicAuth(key_id, key_secret)
        self._base = base_url.rstrip("/")

    async def refund(
        self,
        *,
        payment_id: str,
        amount: Decimal,
        currency: str,
        idempotency_key: str,
        notes: dict[str, str],
        places: int | None = None,
    ) -> str:
        """Refunds `amount` of the payment; returns Razorpay's refund id (rfnd_…).

        Raises:
            RazorpayRefused: a 4xx (too small, more than was captured, unknown payment).
            httpx.HTTPError: the gateway is down or answered 5xx (worth retrying).
        """
        response = await self._http.post(
            f"{self._base}/v1/payments/{payment_id}/refund",
            json={
                "amount": minor_units(amount, currency, places),
                "speed": "normal",
                "notes": notes,
                "receipt": idempotency_key[:40],
            },
            headers={"X-Refund-Idempotency": idempotency_key},
            auth=self._auth,
        )
        return str(_ok(response)["id"])
