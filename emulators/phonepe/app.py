"""FastAPI app speaking PhonePe PG v2 (standard checkout), as its Python SDK calls it.

POST /v1/oauth/token (form: client_id, client_secret, client_version, grant_type) gives an
"O-Bearer" token; POST /checkout/v2/pay creates an order and answers its checkout page
(redirectUrl); GET /checkout/v2/order/{merchantOrderId}/status answers the order, or 400
INVALID_MERCHANT_ORDER_ID for an order never created here; POST /payments/v2/refund and
GET /payments/v2/refund/{merchantRefundId}/status refund a completed order. It knows only
the orders created through it.

Test control (served at the emulator's root as /_emulator/phonepe/...):
POST /_emulator/phonepe/orders/{merchantOrderId}/complete {amount} (paise) marks the order
COMPLETED and sends its callback, Authorization = sha256(username:password), to the
configured callback URL (or the `deliver` function a test passes).
"""

from __future__ import annotations

import hmac
import secrets
import time
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qs

import httpx
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse

from domain.webhooks import phonepe_v2

TOKEN_LIFETIME_S = 3600
ORDER_LIFETIME_S = 1200  # PhonePe's default expireAfter: 20 minutes
MIN_AMOUNT = 100  # paise
PAY_PATH = "/checkout/v2/pay"
Deliver = Callable[[bytes, dict[str, str]], Awaitable[int]]


class PhonePeError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        self.status, self.code, self.message = status, code, message


def _id(prefix: str) -> str:
    return prefix + time.strftime("%y%m%d%H%M%S") + str(secrets.randbelow(10**10)).zfill(10)


def _utr() -> str:
    return str(secrets.randbelow(9 * 10**11) + 10**11)


def _known(entries: dict[str, dict[str, Any]], key: str, code: str, what: str) -> dict[str, Any]:
    """The entry, or PhonePe's 400 for an id it never issued."""
    if key not in entries:
        raise PhonePeError(400, code, f"No entry found for given {what}")
    return entries[key]


def create_app(
    *,
    client_id: str = "PSEMULATOR",
    client_secret: str = "emulator-secret",
    callback_url: str | None = None,
    callback_username: str = "phonepe",
    callback_password: str = "phonepe-callback",
    deliver: Deliver | None = None,
    clock: Callable[[], float] = time.time,
) -> FastAPI:
    app = FastAPI(title="PhonePe PG v2 emulator", docs_url=None, redoc_url=None)
    orders: dict[str, dict[str, Any]] = {}
    refunds: dict[str, dict[str, Any]] = {}
    tokens: set[str] = set()
    app.state.orders, app.state.refunds = orders, refunds

    @app.exception_handler(PhonePeError)
    async def _error(_: Request, exc: PhonePeError) -> JSONResponse:
        return JSONResponse({"code": exc.code, "message": exc.message}, exc.status)

    def authenticate(request: Request) -> None:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme != "O-Bearer" or token not in tokens:
            raise PhonePeError(401, "UNAUTHORIZED", "Invalid or expired access token")

    @app.post("/v1/oauth/token")
    async def token(request: Request) -> dict[str, Any]:
        # x-www-form-urlencoded, read by hand: no multipart parser needed for four fields
        form = {k: v[0] for k, v in parse_qs((await request.body()).decode("latin-1")).items()}
        given_secret = form.get("client_secret", "")
        if (
            form.get("grant_type") != "client_credentials"
            or form.get("client_id") != client_id
            or not hmac.compare_digest(given_secret.encode(), client_secret.encode())
        ):
            raise PhonePeError(401, "INVALID_CLIENT", "Client authentication failed")
        access = secrets.token_urlsafe(24)
        tokens.add(access)
        now = int(clock())
        return {"access_token": access, "encrypted_access_token": access, "token_type": "O-Bearer",
                "issued_at": now, "expires_at": now + TOKEN_LIFETIME_S,
                "session_expires_at": now + TOKEN_LIFETIME_S, "expires_in": TOKEN_LIFETIME_S,
                "refresh_token": None}  # fmt: skip

    @app.get("/checkout/{order_id}")
    async def checkout_page(order_id: str) -> dict[str, Any]:
        """Where redirectUrl leads; the test control completes the payment."""
        found = next((o for o in orders.values() if o["orderId"] == order_id), None)
        if found is None:
            raise PhonePeError(404, "NOT_FOUND", "no such checkout")
        return {"merchantOrderId": found["merchantOrderId"], "amount": found["amount"],
                "state": found["state"]}  # fmt: skip

    @app.post(PAY_PATH)
    async def pay(request: Request) -> dict[str, Any]:
        authenticate(request)
        try:
            body = await request.json()
        except ValueError:
            raise PhonePeError(400, "BAD_REQUEST", "Request body is not valid JSON") from None
        moid, amount = body.get("merchantOrderId"), body.get("amount")
        if not isinstance(moid, str) or not 0 < len(moid) <= 63:
            raise PhonePeError(400, "BAD_REQUEST", "merchantOrderId is invalid")
        if isinstance(amount, bool) or not isinstance(amount, int) or amount < MIN_AMOUNT:
            raise PhonePeError(400, "BAD_REQUEST", "amount must be at least 100 paise")
        known = orders.get(moid)
        if known is not None:  # the same order asked for again: its checkout, as created
            if known["amount"] != amount:
                raise PhonePeError(400, "BAD_REQUEST", "merchantOrderId already used")
            return _created(known)
        expire_after = body.get("expireAfter") or ORDER_LIFETIME_S
        base = str(request.url).split(PAY_PATH)[0]  # mounted under /phonepe in the dev stack
        order_id = _id("OMO")
        orders[moid] = {"merchantOrderId": moid, "orderId": order_id, "state": "PENDING",
                        "amount": amount, "expireAt": int((clock() + expire_after) * 1000),
                        "metaInfo": body.get("metaInfo") or {}, "paymentDetails": [],
                        "redirectUrl": f"{base}/checkout/{order_id}"}  # fmt: skip
        return _created(orders[moid])

    @app.get("/checkout/v2/order/{merchant_order_id}/status")
    async def status(merchant_order_id: str, request: Request) -> dict[str, Any]:
        authenticate(request)
        order = _known(orders, merchant_order_id, "INVALID_MERCHANT_ORDER_ID", "merchant order id")
        return {k: v for k, v in order.items() if k not in ("redirectUrl", "merchantOrderId")}

    @app.post("/payments/v2/refund")
    async def refund(request: Request) -> dict[str, Any]:
        authenticate(request)
        body = await request.json()
        refund_id, amount = body.get("merchantRefundId"), body.get("amount")
        if refund_id in refunds:
            return _refund_view(refunds[refund_id])
        order = orders.get(body.get("originalMerchantOrderId", ""))
        if order is None or order["state"] != phonepe_v2.COMPLETED:
            raise PhonePeError(400, "BAD_REQUEST", "original order is not completed")
        refunded = sum(r["amount"] for r in refunds.values() if r["order"] is order)
        if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
            raise PhonePeError(400, "BAD_REQUEST", "amount is invalid")
        if amount > order["amount"] - refunded:
            raise PhonePeError(400, "BAD_REQUEST", "amount exceeds the refundable amount")
        refunds[refund_id] = {"refundId": _id("OMR"), "amount": amount, "state": "PENDING",
                              "order": order, "merchantRefundId": refund_id}  # fmt: skip
        return _refund_view(refunds[refund_id])

    @app.get("/payments/v2/refund/{merchant_refund_id}/status")
    async def refund_status(merchant_refund_id: str, request: Request) -> dict[str, Any]:
        authenticate(request)
        found = _known(refunds, merchant_refund_id, "INVALID_REFUND_ID", "refund id")
        found["state"] = "COMPLETED"  # the emulator settles a refund when it is looked at
        return _refund_view(found) | {"merchantRefundId": merchant_refund_id}

    async def send(body: bytes) -> int:
        auth = phonepe_v2.sign_v2(username=callback_username, password=callback_password)
        headers = {"Authorization": auth, "Content-Type": "application/json"}
        if deliver is not None:
            return await deliver(body, headers)
        if callback_url is None:
            return 0
        try:
            async with httpx.AsyncClient(timeout=10) as http:
                return (await http.post(callback_url, content=body, headers=headers)).status_code
        except httpx.HTTPError:  # the API is down: PhonePe would retry; Order Status still says
            return 0

    control = APIRouter()

    @control.post("/orders/{merchant_order_id}/complete")
    async def complete(merchant_order_id: str, request: Request) -> dict[str, Any]:
        order = orders.get(merchant_order_id)
        if order is None:
            raise PhonePeError(404, "INVALID_MERCHANT_ORDER_ID", "no such order")
        body = await request.json() if await request.body() else {}
        amount = body.get("amount", order["amount"])
        attempt = {"paymentMode": "UPI_QR", "transactionId": _id("OM"), "state": "COMPLETED",
                   "timestamp": int(clock() * 1000), "amount": amount,
                   # A UPI attempt names its rail and the bank's UTR (12 digits), as PG v2 does.
                   "rail": {"type": "UPI", "utr": body.get("utr") or _utr()}}  # fmt: skip
        order |= {"state": phonepe_v2.COMPLETED, "amount": amount, "paymentDetails": [attempt]}
        callback = phonepe_v2.callback(merchant_order_id, order["orderId"], phonepe_v2.COMPLETED,
                                       amount, [attempt])  # fmt: skip
        return {"order": order, "callback_status": await send(callback)}

    app.state.control = FastAPI(docs_url=None, redoc_url=None)
    app.state.control.include_router(control)
    app.state.control.add_exception_handler(PhonePeError, _error)  # type: ignore[arg-type]
    app.include_router(control, prefix="/_emulator/phonepe")
    return app


def _created(order: dict[str, Any]) -> dict[str, Any]:
    return {k: order[k] for k in ("orderId", "state", "expireAt", "redirectUrl")}


def _refund_view(refund: dict[str, Any]) -> dict[str, Any]:
    return {k: refund[k] for k in ("refundId", "amount", "state")}
