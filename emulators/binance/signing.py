"""Binance SIGNED-endpoint checks: API key, timestamp/recvWindow, HMAC-SHA256 signature.

Error codes, messages and HTTP statuses are Binance's, because ccxt maps them to its
exception classes (-2015/-1022 AuthenticationError, -1021 InvalidNonce, ...).
"""

from __future__ import annotations

import hashlib
import hmac

DEFAULT_RECV_WINDOW_MS = 5_000
MAX_RECV_WINDOW_MS = 60_000
# Binance rejects a timestamp this far ahead of its own clock whatever the recvWindow.
MAX_AHEAD_MS = 1_000


class BinanceError(Exception):
    """Rendered as Binance's error body {"code": ..., "msg": ...}."""

    def __init__(
        self, code: int, msg: str, status: int = 400, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(msg)
        self.code, self.msg, self.status, self.headers = code, msg, status, headers


def invalid_key() -> BinanceError:
    return BinanceError(-2015, "Invalid API-key, IP, or permissions for action.", 401)


def mandatory(name: str) -> BinanceError:
    return BinanceError(
        -1102, f"Mandatory parameter '{name}' was not sent, was empty/null, or malformed."
    )


def split_signature(raw_query: str, body: str = "") -> tuple[str, str | None]:
    """Binance's totalParams (query then body, no separator) minus the signature pair.

    The signature is computed over the bytes exactly as sent, so this works on the raw,
    still-percent-encoded strings and keeps the client's parameter order.
    """
    signature: str | None = None
    parts: list[str] = []
    for source in (raw_query, body):
        kept = []
        for pair in source.split("&") if source else []:
            if pair.startswith("signature="):
                signature = pair[len("signature=") :]
            else:
                kept.append(pair)
        parts.append("&".join(kept))
    return parts[0] + parts[1], signature


def check_timestamp(params: dict[str, str], server_ms: int) -> None:
    """Binance's rule: accept if timestamp < server + 1000 and server - timestamp <= recvWindow."""
    raw_ts = params.get("timestamp")
    if not raw_ts or not raw_ts.isdigit():
        raise mandatory("timestamp")
    raw_window = params.get("recvWindow")
    try:
        window = float(raw_window) if raw_window else DEFAULT_RECV_WINDOW_MS
    except ValueError:
        raise mandatory("recvWindow") from None
    if window > MAX_RECV_WINDOW_MS or window <= 0:
        raise BinanceError(-1131, "recvWindow must be less than 60000")
    timestamp = int(raw_ts)
    if timestamp >= server_ms + MAX_AHEAD_MS:
        raise BinanceError(
            -1021, "Timestamp for this request was 1000ms ahead of the server's time."
        )
    if server_ms - timestamp > window:
        raise BinanceError(-1021, "Timestamp for this request is outside of the recvWindow.")


def check_signature(secret: str, payload: str, signature: str | None) -> None:
    if not signature:
        raise mandatory("signature")
    expected = hmac.new(secret.encode(), payload.encode(), hashlib.sha256).hexdigest()
    # Binance accepts the hex digest in either case; compare_digest avoids a timing oracle.
    if not hmac.compare_digest(expected, signature.lower()):
        raise BinanceError(-1022, "Signature for this request is not valid.")
