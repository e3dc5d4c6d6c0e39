"""FastAPI app speaking Razorpay's Standard Payment Links API (/v1/payment_links) and its
Refunds API (emulators/razorpay/refunds.py).

Create, fetch by id and fetch all (filtered by reference_id), behind HTTP basic auth with
key_id:key_secret. Errors use Razorpay's body, `{"error": {"code", "description", "field",
"source", "step", "reason", "metadata"}}`; a second link with a reference_id already used
is refused with 400, as Razorpay does. Request bodies are checked by hand so that a bad
field gets Razorpay's error, not FastAPI's 422.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import secrets
import string
import time
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from emulators.razorpay import refunds
from emulators.razorpay.errors import RazorpayError, bad, known

MIN_AMOUNT = 100  # paise: Razorpay refuses links under 1.00
MAX_REFERENCE = 40
MAX_DESCRIPTION = 2048
MAX_NOTES = 15
MAX_NOTE_LENGTH = 256
_ID_CHARS = string.ascii_letters + string.digits


def _new_id(prefix: str) -> str:
    return prefix + "".join(secrets.choice(_ID_CHARS) for _ in range(14))


def _check(body: Any, now: int) -> dict[str, Any]:
    """The link fields Razorpay would accept, or the error it would give."""
    if not isinstance(body, dict):
        raise bad("The request body must be a JSON object")
    amount = body.get("amount")
    if not isinstance(amount, int) or isinstance(amount, bool):
        raise bad("The amount must be an integer.", "amount")
    if amount < MIN_AMOUNT:
        raise bad("The amount must be atleast INR 1.00", "amount")
    currency = body.get("currency", "INR")
    if not (isinstance(currency, str) and len(currency) == 3 and currency.isupper()):
        raise bad("The currency is invalid.", "currency")
    reference = body.get("reference_id")
    if reference is not None and not (isinstance(reference, str) and reference):
        raise bad("The reference id must be a string.", "reference_id")
    if reference is not None and len(reference) > MAX_REFERENCE:
        raise bad(
            f"The reference id may not be greater than {MAX_REFERENCE} characters.", "reference_id"
        )
    description = body.get("description", "")
    if not isinstance(description, str) or len(description) > MAX_DESCRIPTION:
        raise bad("The description is invalid.", "description")
    expire_by = body.get("expire_by", 0)
    if not isinstance(expire_by, int) or (expire_by and expire_by <= now):
        raise bad("expire_by should be a timestamp in the future", "expire_by")
    notes = body.get("notes", {})
    if not isinstance(notes, dict) or len(notes) > MAX_NOTES:
        raise bad(f"notes may contain at most {MAX_NOTES} keys", "notes")
    if any(not isinstance(v, str) or len(v) > MAX_NOTE_LENGTH for v in notes.values()):
        raise bad(f"notes values must be strings of at most {MAX_NOTE_LENGTH} characters", "notes")
    return {
        "amount": amount,
        "currency": currency,
        "reference_id": reference or "",
        "description": description,
        "expire_by": expire_by,
        "notes": notes,
        "accept_partial": bool(body.get("accept_partial", False)),
    }


def create_app(
    *,
    key_id: str = "rzp_test_emulator",
    key_secret: str = "emulator_secret",
    clock: Callable[[], float] = time.time,
) -> FastAPI:
    """A fresh emulator with its own links. `app.state.lose_responses` (test control) makes
    that many next creates store the link but answer 502, like a reply lost on the way."""
    app = FastAPI(title="Razorpay emulator", docs_url=None, redoc_url=None)
    links: dict[str, dict[str, Any]] = {}
    app.state.links = links
    app.state.lose_responses = 0

    @app.exception_handler(RazorpayError)
    async def _error(_: Request, exc: RazorpayError) -> JSONResponse:
        error = {
            "code": "BAD_REQUEST_ERROR",
            "description": exc.description,
            "source": "business" if exc.status == 400 else "NA",
            "step": "payment_link_creation" if exc.status == 400 else "NA",
            "reason": "input_validation_failed" if exc.status == 400 else "NA",
            "metadata": {},
        }
        if exc.field:
            error["field"] = exc.field
        return JSONResponse({"error": error}, exc.status)

    def authenticate(request: Request) -> None:
        scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "basic" or not encoded:
            raise RazorpayError(401, "Please provide your api key for authentication purposes.")
        try:
            given_id, _, given_secret = base64.b64decode(encoded).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            raise RazorpayError(401, "The api key provided is invalid") from None
        if given_id != key_id:
            raise RazorpayError(401, "The api key provided is invalid")
        if not hmac.compare_digest(given_secret.encode(), key_secret.encode()):
            raise RazorpayError(401, "The api key/secret provided is invalid")

    refunds.install(app, authenticate, _new_id, clock)

    @app.post("/v1/payment_links")
    async def create(request: Request) -> JSONResponse:
        authenticate(request)
        try:
            body = await request.json()
        except ValueError:
            raise bad("The request body must be valid JSON") from None
        now = int(clock())
        fields = _check(body, now)
        reference = fields["reference_id"]
        if reference and any(link["reference_id"] == reference for link in links.values()):
            raise bad(f"Payment Link with reference id {reference} already exists", "reference_id")
        link_id = _new_id("plink_")
        links[link_id] = link = {
            "id": link_id,
            **fields,
            "amount_paid": 0,
            "first_min_partial_amount": 0,
            "status": "created",
            "short_url": f"{str(request.base_url).rstrip('/')}/i/{link_id[6:14]}",
            "created_at": now,
            "updated_at": now,
            "cancelled_at": 0,
            "expired_at": 0,
            "payments": None,
            "reminder_enable": False,
            "upi_link": False,
            "notify": {"sms": False, "email": False},
            "user_id": "",
        }
        if app.state.lose_responses > 0:
            app.state.lose_responses -= 1
            return JSONResponse({"error": "bad gateway"}, 502)
        return JSONResponse(link)

    @app.get("/v1/payment_links")
    async def fetch_all(request: Request) -> dict[str, Any]:
        authenticate(request)
        reference = request.query_params.get("reference_id")
        found = [v for v in links.values() if reference in (None, v["reference_id"])]
        return {"payment_links": sorted(found, key=lambda v: -v["created_at"])}

    @app.post("/v1/payment_links/{link_id}/cancel")
    async def cancel(link_id: str, request: Request) -> dict[str, Any]:
        """Only a link in the created state can be cancelled, as Razorpay documents."""
        authenticate(request)
        link = known(links, link_id)
        if link["status"] != "created":
            raise bad(f"Payment Link cannot be cancelled as it is {link['status']}", "id")
        now = int(clock())
        link.update(status="cancelled", cancelled_at=now, updated_at=now)
        return link

    @app.get("/v1/payment_links/{link_id}")
    async def fetch(link_id: str, request: Request) -> dict[str, Any]:
        authenticate(request)
        return known(links, link_id)

    return app
