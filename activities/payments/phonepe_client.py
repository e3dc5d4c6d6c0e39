"""PhonePe PG v2 over httpx: OAuth token, order create (standard checkout), Order Status,
refund, with the paths and fields of PhonePe's own Python SDK (phonepe-pg-sdk-python).

The token is fetched with client_credentials and reused until half its life is spent, as
the SDK does; a 401 drops it so the next call fetches a fresh one.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx

from config.settings import Settings

OAUTH_PATH = "/v1/oauth/token"
PAY_PATH = "/checkout/v2/pay"
STATUS_PATH = "/checkout/v2/order/{merchant_order_id}/status"
REFUND_PATH = "/payments/v2/refund"
UNKNOWN_ORDER = "INVALID_MERCHANT_ORDER_ID"


def phonepe_client(http: httpx.AsyncClient, settings: Settings) -> PhonePeClient | None:
    """The client PHONEPE_BASE_URL / CLIENT_ID / CLIENT_SECRET describe; None when unset."""
    base, client_id = (
        settings.gateway_value("phonepe_base_url"),
        settings.gateway_value("phonepe_client_id"),
    )
    secret = settings.gateway_value("phonepe_client_secret")
    if not (base and client_id and secret):
        return None
    version = settings.gateway_value("phonepe_client_version") or "1"
    return PhonePeClient(http, base_url=base, client_id=client_id, client_secret=secret,
                         client_version=version)  # fmt: skip


class PhonePeRefused(Exception):
    """A 4xx answer: the request itself is wrong, sending it again will not help."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"PhonePe refused ({status} {code}): {message}")
        self.status, self.code, self.message = status, code, message


def oauth_base(base_url: str) -> str:
    """Production serves tokens from identity-manager; the sandbox (and the emulator) from
    the PG base itself (the SDK's PROD_OAUTH_BASE_URL / SANDBOX_OAUTH_BASE_URL)."""
    base = base_url.rstrip("/")
    return (
        base[: -len("/apis/pg")] + "/apis/identity-manager" if base.endswith("/apis/pg") else base
    )


class PhonePeClient:
    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        base_url: str,
        client_id: str,
        client_secret: str,
        client_version: str = "1",
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._http, self._base = http, base_url.rstrip("/")
        self._oauth = oauth_base(base_url) + OAUTH_PATH
        self._form = {"client_id": client_id, "client_secret": client_secret}
        self._form |= {"client_version": client_version, "grant_type": "client_credentials"}
        self._clock = clock
        self._token: tuple[str, float] | None = None  # (header value, refresh after)

    async def _authorization(self) -> str:
        if self._token is not None and self._clock() < self._token[1]:
            return self._token[0]
        response = await self._http.post(self._oauth, data=self._form)
        body = _ok(response)
        issued, expires = int(body.get("issued_at") or 0), int(body.get("expires_at") or 0)
        refresh_after = issued + (expires - issued) / 2 if expires > issued else 0.0
        value = f"{body.get('token_type') or 'O-Bearer'} {body['access_token']}"
        self._token = (value, refresh_after)
        return value

    async def _call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        headers = {"Authorization": await self._authorization(), "Accept": "application/json"}
        response = await self._http.request(method, self._base + path, headers=headers, **kwargs)
        if response.status_code == 401:
            self._token = None  # the next call fetches a fresh token
        return _ok(response)

    async def create_order(
        self, merchant_order_id: str, amount_paise: int, *, expire_after_s: int,
        redirect_url: str, message: str, udf: dict[str, str] | None = None,
    ) -> dict[str, Any]:  # fmt: skip
        """{orderId, state, expireAt, redirectUrl}: the checkout page is redirectUrl."""
        body: dict[str, Any] = {
            "merchantOrderId": merchant_order_id,
            "amount": amount_paise,
            "expireAfter": expire_after_s,
            "paymentFlow": {"type": "PG_CHECKOUT", "message": message,
                            "merchantUrls": {"redirectUrl": redirect_url}},
        }  # fmt: skip
        if udf:
            body["metaInfo"] = udf
        return await self._call("POST", PAY_PATH, json=body)

    async def order_status(self, merchant_order_id: str) -> dict[str, Any] | None:
        """The order as PhonePe knows it, or None when it knows no such order."""
        path = STATUS_PATH.format(merchant_order_id=merchant_order_id)
        try:
            return await self._call("GET", path, params={"details": "true"})
        except PhonePeRefused as refused:
            if refused.code == UNKNOWN_ORDER:
                return None
            raise

    async def refund(
        self, merchant_refund_id: str, original_merchant_order_id: str, amount_paise: int
    ) -> dict[str, Any]:
        """{refundId, amount, state}; PhonePe dedupes on merchantRefundId."""
        body = {"merchantRefundId": merchant_refund_id, "amount": amount_paise,
                "originalMerchantOrderId": original_merchant_order_id}  # fmt: skip
        return await self._call("POST", REFUND_PATH, json=body)


def _ok(response: httpx.Response) -> dict[str, Any]:
    if 400 <= response.status_code < 500 and response.status_code != 429:
        try:
            error = response.json()
        except ValueError:
            error = {}
        error = error if isinstance(error, dict) else {}
        code = str(error.get("code") or error.get("errorCode") or "")
        raise PhonePeRefused(response.status_code, code, str(error.get("message") or ""))
    response.raise_for_status()
    body = response.json()
    if not isinstance(body, dict):
        raise httpx.DecodingError("PhonePe answered something other than a JSON object")
    return body
