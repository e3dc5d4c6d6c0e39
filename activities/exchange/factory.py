"""Builds the ccxt Binance client that activities use; points it at the emulator when asked."""

from __future__ import annotations

import re
import ssl
from functools import cache

import ccxt.async_support as ccxt
import certifi


@cache
def _tls() -> ssl.SSLContext:
    """One TLS context per process: ccxt would build one per client, loading every CA
    certificate again (a fifth of a worker's CPU per verification, by profile)."""
    return ssl.create_default_context(cafile=certifi.where())


def binance_client(*, api_key: str, api_secret: str, base_url: str | None) -> ccxt.binance:
    """An async ccxt Binance spot client; the caller must `await client.close()`.

    Args:
        base_url: scheme://host[:port] replacing every Binance host (EXCHANGE_BASE_URL);
            None talks to the real exchange.
    """
    client = ccxt.binance(
        {
            "apiKey": api_key,
            "secret": api_secret,
            # ccxt queues requests under Binance's published limits instead of earning 429s.
            "enableRateLimit": True,
            "ssl_context": _tls(),
            "options": {
                "defaultType": "spot",
                # Default also loads USD-M and COIN-M futures (fapi/dapi exchangeInfo); we only
                # verify spot fills, so load_markets is then a single GET /api/v3/exchangeInfo.
                "fetchMarkets": {"types": ["spot"]},
                # With keys set, load_markets would call the private sapi/capital/config/getall
                # and sapi margin pair lists: extra weight, and endpoints the emulator lacks.
                "fetchCurrencies": False,
                "fetchMargins": False,
                # Fetch /api/v3/time once during load_markets and sign with the server's clock,
                # so a skewed host clock does not turn every signed call into -1021.
                "adjustForTimeDifference": True,
            },
        }
    )
    if base_url is not None:
        root = base_url.rstrip("/")
        # Rewrite every API family (api, sapi, fapi, ...) so nothing can reach the real
        # exchange by accident; paths such as /api/v3 stay as ccxt builds them.
        client.urls["api"] = {
            name: re.sub(r"^https?://[^/]+", root, url) for name, url in client.urls["api"].items()
        }
    return client
